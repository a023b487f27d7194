package consumers_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"payvand.dev/functions/app"
	"payvand.dev/functions/consumers"
	"payvand.dev/functions/localplatform"
	"payvand.dev/functions/routes"
	"payvand.dev/shared/auth"
	"payvand.dev/shared/config"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
	"payvand.dev/shared/tenancy"
	"payvand.dev/shared/users"
)

const password = "correct-horse-42"

// The harness is this test binary run again as a server: the local
// runner's code path (app.Open on the embedded store, consumers.Start,
// every route group) with a hook that stalls or kills the process at a
// chosen point of event delivery.
func TestMain(m *testing.M) {
	if dir := os.Getenv("PAYVAND_HARNESS_DIR"); dir != "" {
		if err := serve(dir, os.Getenv("PAYVAND_HARNESS_HOOK")); err != nil {
			fmt.Println("harness:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func serve(dir, hook string) error {
	ctx := context.Background()
	cfg := config.Config{DataDir: dir, Store: "embedded", ControlTable: "payvand-control", TablePrefix: "payvand-tenant-",
		AdminPassword: password, Version: "harness", Bucket: "harness"}
	d, err := app.Open(ctx, cfg, localplatform.Platform)
	if err != nil {
		return err
	}
	d.LoginLimiter = nil
	if err := d.SeedLocal(ctx, io.Discard); err != nil {
		return err
	}
	if _, err := d.Control.Tenant(ctx, "alpha"); crm.ErrorCode(err) == crm.ENOTFOUND {
		if _, _, err := d.Control.Provision(ctx, tenancy.NewTenant{Key: "alpha", CompanyName: "Alpha", AdminName: "CEO", AdminEmail: "ceo@alpha.test", AdminPassword: password}); err != nil {
			return err
		}
		h, _ := auth.HashPassword(password)
		if err := (users.Repo{}).Create(ctx, d.Control.TableFor("alpha"), &users.User{Name: "Sara", Email: "sara@alpha.test", Role: "employee", PasswordHash: h}, 0); err != nil {
			return err
		}
	}
	l, err := consumers.Start(ctx, d, "payvand")
	if err != nil {
		return err
	}
	switch hook {
	case "stall": // the write commits; its event is never published
		l.Bus.Subscribe("stall", nil, func(context.Context, outbox.Event) error { select {} })
	case "kill-after-notify": // the notifier committed; the relay never deletes the record
		l.Bus.Subscribe("kill", []string{"task.assigned"}, func(context.Context, outbox.Event) error {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		})
	}
	h, err := d.Handler(slog.New(slog.NewTextHandler(io.Discard, nil)), routes.All()...)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println("ready", ln.Addr().String())
	return http.Serve(ln, l.Handler(h))
}

type proc struct {
	cmd  *exec.Cmd
	base string
}

func start(t *testing.T, dir, hook string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "PAYVAND_HARNESS_DIR="+dir, "PAYVAND_HARNESS_HOOK="+hook)
	cmd.Stderr = os.Stderr
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if addr, ok := strings.CutPrefix(sc.Text(), "ready "); ok {
			go io.Copy(io.Discard, out)
			return &proc{cmd: cmd, base: "http://" + addr}
		}
		t.Log(sc.Text())
	}
	t.Fatal("the harness did not start")
	return nil
}

func (p *proc) kill(t *testing.T) {
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
}

func (p *proc) do(t *testing.T, method, path, tok string, body any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, p.base+path, strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %v", method, path, resp.StatusCode, m)
	}
	return m
}

func (p *proc) login(t *testing.T, email string) string {
	return p.do(t, "POST", "/api/tenant/auth/login", "", map[string]string{"tenant_key": "alpha", "email": email, "password": password})["token"].(string)
}

// notifications waits until the user's count stops changing for half a
// second (or 10 s pass) and returns it.
func notifications(t *testing.T, p *proc, tok string, want int) int {
	deadline, stable, last := time.Now().Add(10*time.Second), time.Now(), -1
	for time.Now().Before(deadline) {
		n := len(p.do(t, "GET", "/api/notifications", tok, nil)["data"].([]any))
		if n != last {
			last, stable = n, time.Now()
		}
		if n >= want && time.Since(stable) > 500*time.Millisecond {
			return n
		}
		time.Sleep(20 * time.Millisecond)
	}
	return last
}

func outboxLeft(t *testing.T, dir string) int {
	db, err := localplatform.Platform.Embedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pg, err := db.Table("payvand-tenant-alpha").Query(context.Background(), store.Query{PK: outbox.Partition, CountOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	return pg.Count
}

// TestSIGKILLLosesNoEventAndActsOnNoneTwice kills the process (SIGKILL)
// after a write commits and before its event is published, and after the
// notifier took the event in but before the relay deleted it: after each
// restart the event takes effect exactly once.
func TestSIGKILLLosesNoEventAndActsOnNoneTwice(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	for _, hook := range []string{"stall", "kill-after-notify"} {
		t.Run(hook, func(t *testing.T) {
			dir := t.TempDir()
			p := start(t, dir, "")
			ceo, sara := p.login(t, "ceo@alpha.test"), p.login(t, "sara@alpha.test")
			saraID := p.do(t, "GET", "/api/users/me", sara, nil)["data"].(map[string]any)["id"].(string)
			p.kill(t)

			p = start(t, dir, hook)
			if hook == "stall" {
				p.do(t, "POST", "/api/tasks", ceo, map[string]any{"title": "Survive", "assignee_ids": []string{saraID}}) // committed: 201
				time.Sleep(100 * time.Millisecond)
				if outboxLeft := p.do(t, "GET", "/api/notifications", sara, nil)["data"].([]any); len(outboxLeft) != 0 {
					t.Fatal("the stalled relay delivered")
				}
				p.kill(t)
			} else {
				// The relay may outrun the answer: the process can die before
				// the 201 is written; the write committed before the relay woke.
				b, _ := json.Marshal(map[string]any{"title": "Survive", "assignee_ids": []string{saraID}})
				req, _ := http.NewRequest("POST", p.base+"/api/tasks", strings.NewReader(string(b)))
				req.Header.Set("Authorization", "Bearer "+ceo)
				req.Header.Set("Content-Type", "application/json")
				if resp, err := http.DefaultClient.Do(req); err == nil {
					resp.Body.Close()
				}
				p.cmd.Wait() // the hook killed it
				if st := p.cmd.ProcessState.Sys().(syscall.WaitStatus); !st.Signaled() || st.Signal() != syscall.SIGKILL {
					t.Fatalf("the harness ended with %v, not SIGKILL", p.cmd.ProcessState)
				}
			}
			if n := outboxLeft(t, dir); n == 0 {
				t.Fatal("nothing left in the outbox to replay: the kill came too late to test anything")
			}

			p = start(t, dir, "")
			if n := notifications(t, p, sara, 1); n != 1 {
				t.Fatalf("%d notifications after the restart, want exactly 1", n)
			}
			p.kill(t)
			if n := outboxLeft(t, dir); n != 0 {
				t.Fatalf("%d events still in the outbox", n)
			}
		})
	}
}
