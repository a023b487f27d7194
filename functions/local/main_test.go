package main_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLocalRunnerEndToEnd builds the local runner, starts it on a free
// port and drives it over real HTTP like a new user would.
func TestLocalRunnerEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "payvand")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	addr := freeAddr(t)

	start := func() (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "PAYVAND_ADDR="+addr, "PAYVAND_DATA_DIR="+data, "PAYVAND_RATE_LIMIT_GENERAL=0")
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		cmd.Stderr = io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill() })
		waitHealthy(t, "http://"+addr)
		return cmd, &stdout
	}
	cmd, stdout := start()
	password := ""
	sc := bufio.NewScanner(strings.NewReader(stdout.String()))
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "Demo tenant created") {
			fields := strings.Fields(sc.Text())
			for i, f := range fields {
				if f == "password" {
					password = strings.Trim(fields[i+1], `"`)
				}
			}
		}
	}
	if password == "" || !strings.Contains(stdout.String(), `username "admin"`) {
		t.Fatalf("first start did not print the credentials:\n%s", stdout.String())
	}

	base := "http://" + addr
	var login struct{ Token string }
	call(t, "POST", base+"/api/auth/login", "", `{"email":"ceo@demo.test","password":"`+password+`"}`, 200, &login)
	tok := login.Token

	var created struct{ Data struct{ ID string } }
	call(t, "POST", base+"/api/customers", tok, `{"name":"شرکت رابین","city":"Tehran","type":"B2B","status":"prospect"}`, 201, &created)
	call(t, "POST", base+"/api/customers", tok, `{"name":"Other","city":"Shiraz"}`, 201, nil)
	id := created.Data.ID

	var list struct {
		Data       []struct{ ID, Name string }
		Pagination struct{ Total int }
	}
	call(t, "GET", base+"/api/customers?filter[status]=prospect&city=tehran", tok, "", 200, &list)
	if list.Pagination.Total != 1 || len(list.Data) != 1 || list.Data[0].ID != id {
		t.Fatalf("filtered list = %+v", list)
	}
	var updated struct{ Data struct{ Status, City string } }
	call(t, "PUT", base+"/api/customers/"+id, tok, `{"status":"active","city":"Karaj"}`, 200, &updated)
	if updated.Data.Status != "active" || updated.Data.City != "Karaj" {
		t.Fatalf("update = %+v", updated)
	}
	call(t, "DELETE", base+"/api/customers/"+id, tok, "", 200, nil)
	var problem struct {
		Type, Title string
		Status      int
	}
	call(t, "GET", base+"/api/customers/"+id, tok, "", 404, &problem)
	if problem.Status != 404 || problem.Title == "" {
		t.Fatalf("404 problem = %+v", problem)
	}

	// SIGTERM: a clean exit, and the data survives a restart that prints
	// no new credentials.
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no exit 15 s after SIGTERM")
	}
	_, stdout = start()
	if strings.Contains(stdout.String(), "created") {
		t.Fatalf("second start printed credentials again:\n%s", stdout.String())
	}
	call(t, "POST", base+"/api/auth/login", "", `{"email":"ceo@demo.test","password":"`+password+`"}`, 200, &login)
	call(t, "GET", base+"/api/customers", login.Token, "", 200, &list)
	if list.Pagination.Total != 1 || list.Data[0].Name != "Other" {
		t.Fatalf("after restart = %+v", list)
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitHealthy(t *testing.T, base string) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(base + "/api/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the local runner did not become healthy")
}

func call(t *testing.T, method, url, token, body string, want int, out any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, url, resp.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatal(fmt.Errorf("%s %s: %w", method, url, err))
		}
	}
}
