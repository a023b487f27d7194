package consumers_test

import (
	"bufio"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"payvand.dev/functions/internal/apitest"
)

// needTool skips where a tool is missing, except in CI, where it fails.
func needTool(t *testing.T, name string) string {
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI", name)
		}
		t.Skipf("%s is not installed", name)
	}
	return p
}

// TestPusherJSClient runs the real pusher-js (npm) against the local
// real-time server: the client authorizes its private channel through
// POST /api/broadcasting/auth, is refused another user's, and receives
// notification.new when a task is assigned to its user. The package is
// installed into pusherjs/node_modules (ignored by git) on first run.
func TestPusherJSClient(t *testing.T) {
	node, npm := needTool(t, "node"), needTool(t, "npm")
	dir, _ := filepath.Abs("pusherjs")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "pusher-js")); err != nil {
		cmd := exec.Command(npm, "install", "--no-audit", "--no-fund", "--no-package-lock")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm install: %v\n%s", err, out)
		}
	}
	e := apitest.New(t)
	live(t, e)
	ceo := e.CEO("alpha")
	saraID, sara := addUser(t, e, "alpha", "sara", "employee")
	omidID, _ := addUser(t, e, "alpha", "omid", "employee")
	u, _ := url.Parse(e.Server.URL)

	cmd := exec.Command(node, "client.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PV_HOST="+u.Hostname(), "PV_PORT="+u.Port(), "PV_KEY=payvand", "PV_TOKEN="+sara,
		"PV_USER="+saraID, "PV_OTHER="+omidID, "PV_BASE="+e.Server.URL)
	cmd.Stderr = os.Stderr
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	wait := func(prefix string) string {
		t.Helper()
		timeout := time.After(20 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("pusher-js ended before %q", prefix)
				}
				if strings.HasPrefix(l, "FAIL") {
					t.Fatal("pusher-js: " + l)
				}
				if strings.HasPrefix(l, prefix) {
					return strings.TrimPrefix(l, prefix)
				}
				t.Log("pusher-js: " + l)
			case <-timeout:
				t.Fatalf("pusher-js said nothing like %q", prefix)
			}
		}
	}
	wait("ready")
	e.Do("POST", "/api/tasks", ceo, map[string]any{"title": "For pusher-js", "assignee_ids": []string{saraID}}).Want(t, 201)
	var got struct {
		Notification struct {
			Type   string `json:"type"`
			UserID string `json:"user_id"`
		} `json:"notification"`
	}
	if err := json.Unmarshal([]byte(wait("notification ")), &got); err != nil || got.Notification.Type != "task_assigned" || got.Notification.UserID != saraID {
		t.Fatalf("notification.new payload %+v (%v)", got, err)
	}
}
