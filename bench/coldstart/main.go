// Command coldstart measures the cold start of every Lambda of the
// manifest: it builds each bootstrap for this machine, starts it under a
// fake Lambda Runtime API with a Lambda-like clean environment, and times
// process start → first response for one API Gateway v2 event, against a
// hello-world Go Lambda built the same way in the same run.
//
//	cd bench/coldstart && GOWORK=off go run . -root ../.. -runs 30
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

func main() {
	root := flag.String("root", "../..", "repository root")
	runs := flag.Int("runs", 30, "cold starts per function")
	flag.Parse()
	if err := run(*root, *runs); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

type target struct {
	name    string
	bin     string // host build
	armSize int64
	event   []byte
	starts  []time.Duration
	rss     []int64
}

// events are the first request each function answers: a realistic route
// that needs no network (no token, so no key fetch and no store call).
var events = map[string]string{
	"platform":  httpEvent("GET", "/api/health"),
	"auth":      httpEvent("GET", "/api/auth/me"),
	"customers": httpEvent("GET", "/api/customers"),
	"admin":     httpEvent("GET", "/api/admin/stats"),
	"team":      httpEvent("GET", "/api/users"),
	"files":     httpEvent("POST", "/api/profile/avatar"),
	"hello":     httpEvent("GET", "/"),
	"realtime":  `{"requestContext":{"routeKey":"$connect","eventType":"CONNECT","connectionId":"c1","stage":"live","requestId":"r1"},"isBase64Encoded":false}`,
}

func httpEvent(method, path string) string {
	return fmt.Sprintf(`{"version":"2.0","routeKey":"$default","rawPath":%q,"rawQueryString":"","headers":{"host":"api.example.com","user-agent":"coldstart"},`+
		`"requestContext":{"accountId":"123456789012","apiId":"api","domainName":"api.example.com","requestId":"r1","routeKey":"$default","stage":"$default",`+
		`"http":{"method":%q,"path":%q,"protocol":"HTTP/1.1","sourceIp":"203.0.113.7","userAgent":"coldstart"},"timeEpoch":1700000000000},"isBase64Encoded":false}`, path, method, path)
}

func run(root string, runs int) error {
	manifest, err := os.ReadFile(filepath.Join(root, "functions/manifest/manifest.go"))
	if err != nil {
		return err
	}
	var names []string
	// Scheduled and consumer functions answer no request: their cold start
	// is nobody's wait.
	for _, m := range regexp.MustCompile(`Name:\s+"([a-z0-9-]+)",(\s+Kind:\s+(\w+))?`).FindAllStringSubmatch(string(manifest), -1) {
		if m[3] != "Scheduled" && m[3] != "Consumer" {
			names = append(names, m[1])
		}
	}
	tmp, err := os.MkdirTemp("", "coldstart")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var targets []*target
	for _, n := range append([]string{"hello"}, names...) {
		ev, ok := events[n]
		if !ok {
			ev = httpEvent("GET", "/api/health") // a 404 problem through the whole kernel
		}
		t := &target{name: n, bin: filepath.Join(tmp, n), event: []byte(ev)}
		arm := filepath.Join(tmp, n+".arm64")
		for _, b := range []struct{ goos, goarch, out string }{{runtime.GOOS, runtime.GOARCH, t.bin}, {"linux", "arm64", arm}} {
			if err := build(root, n, b.goos, b.goarch, b.out); err != nil {
				return err
			}
		}
		st, _ := os.Stat(arm)
		t.armSize = st.Size()
		targets = append(targets, t)
	}
	// Interleave the functions so that machine noise hits all alike.
	for i := 0; i < runs; i++ {
		for _, t := range targets {
			d, rss, err := coldStart(t)
			if err != nil {
				return fmt.Errorf("%s run %d: %w", t.name, i, err)
			}
			t.starts, t.rss = append(t.starts, d), append(t.rss, rss)
		}
	}
	base := median(targets[0].starts)
	fmt.Printf("%d cold starts each, %s/%s, %s\n\n", runs, runtime.GOOS, runtime.GOARCH, time.Now().UTC().Format("2006-01-02"))
	fmt.Println("| function | arm64 size | median cold start | p90 | × hello | RSS after first response |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: |")
	for _, t := range targets {
		fmt.Printf("| %s | %.1f MB | %.1f ms | %.1f ms | %.2f | %.1f MB |\n", t.name, float64(t.armSize)/(1<<20),
			ms(median(t.starts)), ms(pct(t.starts, 0.9)), float64(median(t.starts))/float64(base), float64(medianInt(t.rss))/1024)
	}
	return nil
}

func build(root, name, goos, goarch, out string) error {
	var cmd *exec.Cmd
	args := []string{"build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", out}
	if name == "hello" {
		cmd = exec.Command("go", append(args, "./hello")...)
		cmd.Env = append(os.Environ(), "GOWORK=off")
	} else {
		cmd = exec.Command("go", append(append([]string{"-C", filepath.Join(root, "functions")}, args...), "./"+name)...)
		cmd.Env = append(os.Environ(), "GOWORK=")
	}
	cmd.Env = append(cmd.Env, "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s %s/%s: %v\n%s", name, goos, goarch, err, b)
	}
	return nil
}

// coldStart runs the bootstrap once and returns start → first response and
// the resident memory (KiB) at that moment.
func coldStart(t *target) (time.Duration, int64, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, 0, err
	}
	defer l.Close()
	var (
		once  sync.Once
		done  = make(chan error, 1)
		cmd   *exec.Cmd
		start time.Time
		took  time.Duration
		rss   int64
	)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := false
	var mu sync.Mutex
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		first := !served
		served = true
		mu.Unlock()
		if !first {
			<-ctx.Done() // the process is killed before a second event
			return
		}
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", "req-1")
		w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(30*time.Second).UnixMilli()))
		w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:"+t.name)
		w.Header().Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
		w.Write(t.event)
	})
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", func(w http.ResponseWriter, r *http.Request) {
		took = time.Since(start)
		rss = vmRSS(cmd.Process.Pid)
		var resp struct{ StatusCode int }
		json.NewDecoder(r.Body).Decode(&resp)
		w.WriteHeader(http.StatusAccepted)
		once.Do(func() {
			if resp.StatusCode == 0 || resp.StatusCode >= 500 {
				done <- fmt.Errorf("answered %d", resp.StatusCode)
				return
			}
			done <- nil
		})
	})
	fail := func(w http.ResponseWriter, r *http.Request) {
		var b bytes.Buffer
		b.ReadFrom(r.Body)
		w.WriteHeader(http.StatusAccepted)
		once.Do(func() { done <- fmt.Errorf("%s: %s", r.URL.Path, b.String()) })
	}
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", fail)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", fail)
	srv := &http.Server{Handler: mux}
	go srv.Serve(l)
	defer srv.Close()

	cmd = exec.Command(t.bin)
	cmd.Dir = filepath.Dir(t.bin)
	cmd.Env = lambdaEnv(t.name, l.Addr().String(), cmd.Dir)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	start = time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err = <-done:
		if err != nil {
			time.Sleep(50 * time.Millisecond)
			err = fmt.Errorf("%w\n%s", err, stderr.String())
		}
	case err = <-exited:
		err = fmt.Errorf("exited before answering: %v\n%s", err, stderr.String())
	case <-time.After(20 * time.Second):
		err = fmt.Errorf("no answer in 20 s\n%s", stderr.String())
	}
	cmd.Process.Kill()
	cancel()
	return took, rss, err
}

// lambdaEnv is the environment Lambda gives a provided.al2023 function,
// plus the configuration the stack sets.
func lambdaEnv(name, api, dir string) []string {
	return []string{
		"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=en_US.UTF-8", "TZ=:UTC",
		"AWS_LAMBDA_RUNTIME_API=" + api, "LAMBDA_TASK_ROOT=" + dir, "LAMBDA_RUNTIME_DIR=" + dir, "_HANDLER=bootstrap",
		"AWS_EXECUTION_ENV=AWS_Lambda_provided.al2023", "AWS_LAMBDA_FUNCTION_NAME=payvand-bench-" + name,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256", "AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + name, "AWS_LAMBDA_LOG_STREAM_NAME=bench",
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=AKIABENCHMARK", "AWS_SECRET_ACCESS_KEY=bench", "AWS_SESSION_TOKEN=bench",
		"PAYVAND_STAGE=bench", "PAYVAND_STORE=dynamodb", "PAYVAND_CONTROL_TABLE=payvand-bench-control",
		"PAYVAND_TABLE_PREFIX=payvand-bench-tenant-", "PAYVAND_JWT_SECRET_ID=arn:aws:secretsmanager:us-east-1:123456789012:secret:jwt",
		"PAYVAND_EVENT_BUS=payvand-bench-events", "PAYVAND_BUCKET=payvand-bench-docs", "PAYVAND_SES_IDENTITY=example.com",
		"PAYVAND_MAIL_FROM=no-reply@example.com", "PAYVAND_WS_ENDPOINT=https://ws.example.com/live",
	}
}

func vmRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
			return kb
		}
	}
	return 0
}

func median(d []time.Duration) time.Duration { return pct(d, 0.5) }

func pct(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[int(float64(len(s)-1)*p)]
}

func medianInt(v []int64) int64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
