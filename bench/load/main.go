// Command load drives the local runner (functions/local on the embedded
// store) over loopback and reports throughput, latency per operation,
// errors and the server's CPU time per request.
//
//	cd bench/load && GOWORK=off go run . -root ../..              # the mix at 1 and 8 clients
//	cd bench/load && GOWORK=off go run . -root ../.. -mode idle   # 10,000 records, deep pages, then 5 min idle
//
// It builds functions/local into a temporary directory (or runs -bin), starts
// it with a fresh data directory, PAYVAND_RATE_LIMIT_GENERAL=0 and a known
// PAYVAND_DEMO_PASSWORD, and logs in as the demo CEO.
//
// Mode "mix" runs the weighted mix of -mix (operations are registered in
// the ops table below; add one there to extend the mix) for -duration or
// -requests, whichever ends first, at each client count of -clients.
//
// Mode "idle" creates -records customers, measures page 100 (limit 50) by
// page number and by cursor, then stays idle for -idle, reading the server's
// RSS every -sample and timing one GET per second, and reports the slowest
// GET: a stall at a minute boundary or a growing RSS shows here.
//
// Loopback only; every phase is bounded in time and in requests.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	demoTenant   = "demo"
	demoEmail    = "ceo@demo.test"
	demoPassword = "load-Bench-2026!"
	clockTicks   = 100 // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux
)

func main() {
	root := flag.String("root", "../..", "repository root")
	bin := flag.String("bin", "", "local runner binary (default: build functions/local into a temp dir)")
	mode := flag.String("mode", "mix", "mix | idle")
	clients := flag.String("clients", "1,8", "concurrent clients, one run per value (mix)")
	mix := flag.String("mix", "create=2,get=4,update=2,list=2,delete=1", "operation=weight,… (mix)")
	duration := flag.Duration("duration", 20*time.Second, "length of each run (mix)")
	requests := flag.Int("requests", 20000, "most requests of each run (mix)")
	seed := flag.Int("seed", 200, "customers created before the mix so get/update/delete have targets")
	records := flag.Int("records", 10000, "customers loaded before the idle phase (idle)")
	idle := flag.Duration("idle", 5*time.Minute, "idle phase (idle)")
	sample := flag.Duration("sample", 10*time.Second, "RSS sampling interval (idle)")
	keepLog := flag.Bool("keep-log", false, "keep the server's log in the temp dir")
	flag.Parse()
	if err := run(*root, *bin, *mode, *clients, *mix, *duration, *requests, *seed, *records, *idle, *sample, *keepLog); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func run(root, bin, mode, clients, mixSpec string, duration time.Duration, requests, seed, records int, idle, sample time.Duration, keepLog bool) error {
	tmp, err := os.MkdirTemp("", "payvand-load")
	if err != nil {
		return err
	}
	defer func() {
		if !keepLog {
			os.RemoveAll(tmp)
		}
	}()
	if bin == "" {
		bin = filepath.Join(tmp, "local")
		fmt.Println("building functions/local …")
		cmd := exec.Command("go", "build", "-C", filepath.Join(root, "functions"), "-o", bin, "./local")
		cmd.Env = append(os.Environ(), "GOWORK=") // the repository's workspace, not this module's GOWORK=off
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("build: %w", err)
		}
	}
	srv, err := startServer(bin, tmp)
	if err != nil {
		return err
	}
	defer srv.stop()
	c := newClient(srv.base, 64)
	if err := c.login(); err != nil {
		return err
	}
	switch mode {
	case "mix":
		m, err := parseMix(mixSpec)
		if err != nil {
			return err
		}
		p := &pool{}
		if err := load(c, p, seed, 8); err != nil {
			return err
		}
		for _, s := range strings.Split(clients, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || n < 1 {
				return fmt.Errorf("bad -clients %q", clients)
			}
			runMix(srv, c, p, m, n, duration, requests)
		}
	case "idle":
		return runIdle(srv, c, records, idle, sample)
	default:
		return fmt.Errorf("unknown -mode %q", mode)
	}
	return nil
}

// ---- the server ----

type server struct {
	cmd  *exec.Cmd
	base string
	log  string // its stdout and stderr (JSON request log lines)
	done chan error
}

func startServer(bin, tmp string) (*server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	logf, err := os.Create(filepath.Join(tmp, "server.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(),
		"PAYVAND_ADDR="+addr,
		"PAYVAND_DATA_DIR="+filepath.Join(tmp, "data"),
		"PAYVAND_STORE=embedded",
		"PAYVAND_RATE_LIMIT_GENERAL=0",
		"PAYVAND_DEMO_PASSWORD="+demoPassword,
		"PAYVAND_ADMIN_PASSWORD="+demoPassword,
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, base: "http://" + addr, log: logf.Name(), done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait(); logf.Close() }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.base + "/api/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case err := <-s.done:
			return nil, fmt.Errorf("server exited: %v (log: %s)", err, filepath.Join(tmp, "server.log"))
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, errors.New("server did not answer /api/health within 60 s")
		}
	}
	fmt.Printf("server pid %d on %s (data and log in %s)\n", cmd.Process.Pid, s.base, tmp)
	return s, nil
}

// stop sends SIGTERM and waits for a clean exit (reported when it is not).
func (s *server) stop() {
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-s.done:
		if err != nil {
			fmt.Printf("server exit after SIGINT: %v\n", err)
		}
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		fmt.Println("server did not stop within 30 s: killed")
	}
}

// logged sums the storage counts of the server's log lines for requests
// whose X-Request-ID starts with prefix.
func (s *server) logged(prefix string) string {
	b, err := os.ReadFile(s.log)
	if err != nil {
		return "no log"
	}
	var n, reads, items float64
	for _, line := range bytes.Split(b, []byte("\n")) {
		var l struct {
			Msg       string  `json:"msg"`
			RequestID string  `json:"request_id"`
			Reads     float64 `json:"store_reads"`
			Items     float64 `json:"items_read"`
		}
		if json.Unmarshal(line, &l) == nil && l.Msg == "request" && strings.HasPrefix(l.RequestID, prefix) {
			n, reads, items = n+1, reads+l.Reads, items+l.Items
		}
	}
	if n == 0 {
		return "not in the log"
	}
	return fmt.Sprintf("%.0f store reads and %.0f items read per request", reads/n, items/n)
}

// slowest is the longest duration the server logged for requests whose
// X-Request-ID starts with prefix.
func (s *server) slowest(prefix string) string {
	b, err := os.ReadFile(s.log)
	if err != nil {
		return "no log"
	}
	worst, at := -1.0, ""
	for _, line := range bytes.Split(b, []byte("\n")) {
		var l struct {
			Msg       string  `json:"msg"`
			Time      string  `json:"time"`
			RequestID string  `json:"request_id"`
			Duration  float64 `json:"duration_ms"`
		}
		if json.Unmarshal(line, &l) == nil && l.Msg == "request" && strings.HasPrefix(l.RequestID, prefix) && l.Duration > worst {
			worst, at = l.Duration, l.Time
		}
	}
	if worst < 0 {
		return "not in the log"
	}
	return fmt.Sprintf("%.2f ms, logged at %s", worst, at)
}

// cpu returns the server's user+system CPU time.
func (s *server) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64) // field 14 of the man page
	st, _ := strconv.ParseInt(f[12], 10, 64) // field 15
	return time.Duration(ut+st) * time.Second / clockTicks
}

// rss returns the server's resident set size in bytes, and its anonymous
// part (the heap and stacks; the rest is mostly the store's memory-mapped
// table files, which the kernel can drop).
func (s *server) rss() (total, anon int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, 0
	}
	kb := func(v string) int64 {
		n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		return n << 10
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			total = kb(v)
		} else if v, ok := strings.CutPrefix(line, "RssAnon:"); ok {
			anon = kb(v)
		}
	}
	return total, anon
}

// ---- the HTTP client ----

type client struct {
	base  string
	http  *http.Client
	token atomic.Pointer[string]
}

func newClient(base string, conns int) *client {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute}
	return &client{base: base, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

func (c *client) login() error {
	st, body, err := c.do("POST", "/api/tenant/auth/login", map[string]string{"tenant_key": demoTenant, "email": demoEmail, "password": demoPassword}, false)
	if err != nil || st != 200 {
		return fmt.Errorf("login: %d %v %s", st, err, body)
	}
	var r struct{ Token string }
	if err := json.Unmarshal(body, &r); err != nil || r.Token == "" {
		return fmt.Errorf("login: no token in %s", body)
	}
	c.token.Store(&r.Token)
	return nil
}

// do sends one request; a 401 (an expired access token) logs in again once.
func (c *client) do(method, path string, body any, auth bool) (int, []byte, error) {
	return c.doID(method, path, body, auth, "")
}

// doID is do with an X-Request-ID, to find the request's log line.
func (c *client) doID(method, path string, body any, auth bool, id string) (int, []byte, error) {
	for attempt := 0; ; attempt++ {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, err := http.NewRequest(method, c.base+path, rd)
		if err != nil {
			return 0, nil, err
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if id != "" {
			req.Header.Set("X-Request-ID", id)
		}
		if auth {
			req.Header.Set("Authorization", "Bearer "+*c.token.Load())
		}
		resp, err := c.http.Do(req)
		if err != nil {
			return 0, nil, err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 401 && auth && attempt == 0 {
			if err := c.login(); err != nil {
				return 0, nil, err
			}
			continue
		}
		return resp.StatusCode, b, err
	}
}

// ---- the mix ----

// pool holds the ids of customers that exist, for get/update/delete.
type pool struct {
	mu  sync.Mutex
	ids []string
}

func (p *pool) add(id string) { p.mu.Lock(); p.ids = append(p.ids, id); p.mu.Unlock() }

func (p *pool) pick(r *rand.Rand) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.ids) == 0 {
		return ""
	}
	return p.ids[r.IntN(len(p.ids))]
}

// take removes a random id (the caller deletes it).
func (p *pool) take(r *rand.Rand) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.ids) == 0 {
		return ""
	}
	i := r.IntN(len(p.ids))
	id := p.ids[i]
	p.ids[i] = p.ids[len(p.ids)-1]
	p.ids = p.ids[:len(p.ids)-1]
	return id
}

// worker is one client's state.
type worker struct {
	c    *client
	p    *pool
	r    *rand.Rand
	id   int
	seq  int
	last string // cursor of the worker's last list page
}

// An operation sends one request and reports its status (errors are
// transport failures).
type opFunc func(w *worker) (status int, err error)

// ops is the registry of operations -mix can name. Each answers one
// request; an operation that needs a customer picks one from the pool.
var ops = map[string]struct {
	ok int // expected status
	fn opFunc
}{
	"create": {201, func(w *worker) (int, error) {
		w.seq++
		n := fmt.Sprintf("%d-%d-%d", w.id, w.seq, w.r.IntN(1e9))
		st, b, err := w.c.do("POST", "/api/customers", map[string]any{
			"name": "Load Customer " + n, "email": "load" + n + "@example.com", "city": "Tehran", "type": "B2B", "tags": []string{"load"},
		}, true)
		if st == 201 {
			var r struct{ Data struct{ ID string } }
			if json.Unmarshal(b, &r) == nil && r.Data.ID != "" {
				w.p.add(r.Data.ID)
			}
		}
		return st, err
	}},
	"get": {200, func(w *worker) (int, error) {
		id := w.p.pick(w.r)
		st, _, err := w.c.do("GET", "/api/customers/"+id, nil, true)
		if st == 404 { // deleted by another client between pick and get
			st = 200
		}
		return st, err
	}},
	"update": {200, func(w *worker) (int, error) {
		id := w.p.pick(w.r)
		st, _, err := w.c.do("PUT", "/api/customers/"+id, map[string]any{"notes": fmt.Sprintf("updated by client %d at %d", w.id, time.Now().UnixNano())}, true)
		if st == 404 {
			st = 200
		}
		return st, err
	}},
	"list": {200, func(w *worker) (int, error) {
		path := "/api/customers?limit=50"
		if w.last != "" && w.r.IntN(2) == 0 {
			path += "&cursor=" + w.last
		}
		st, b, err := w.c.do("GET", path, nil, true)
		w.last = ""
		if st == 200 {
			var r struct {
				Pagination struct {
					NextCursor *string `json:"next_cursor"`
				}
			}
			if json.Unmarshal(b, &r) == nil && r.Pagination.NextCursor != nil {
				w.last = *r.Pagination.NextCursor
			}
		}
		return st, err
	}},
	"delete": {200, func(w *worker) (int, error) {
		id := w.p.take(w.r)
		st, _, err := w.c.do("DELETE", "/api/customers/"+id, nil, true)
		return st, err
	}},
	// page100 reads page 100 of 50 by page number (needs ≥ 5,000 customers).
	"page100": {200, func(w *worker) (int, error) {
		st, _, err := w.c.do("GET", "/api/customers?page=100&limit=50", nil, true)
		return st, err
	}},
}

type mixEntry struct {
	name   string
	weight int
}

func parseMix(s string) ([]mixEntry, error) {
	var m []mixEntry
	for _, part := range strings.Split(s, ",") {
		name, w, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(w)
		if _, known := ops[name]; !ok || err != nil || n < 0 || !known {
			names := make([]string, 0, len(ops))
			for k := range ops {
				names = append(names, k)
			}
			slices.Sort(names)
			return nil, fmt.Errorf("bad -mix entry %q (operations: %s)", part, strings.Join(names, ", "))
		}
		if n > 0 {
			m = append(m, mixEntry{name, n})
		}
	}
	if len(m) == 0 {
		return nil, errors.New("empty -mix")
	}
	return m, nil
}

func (w *worker) choose(m []mixEntry, total int) string {
	n := w.r.IntN(total)
	for _, e := range m {
		if n < e.weight {
			return e.name
		}
		n -= e.weight
	}
	return m[len(m)-1].name
}

type result struct {
	lat       []time.Duration
	errors    int
	conflicts int // 409 of an update or delete: another client changed the customer first
}

// runMix runs the mix with n clients and prints its figures.
func runMix(srv *server, c *client, p *pool, m []mixEntry, n int, d time.Duration, maxReq int) {
	total := 0
	for _, e := range m {
		total += e.weight
	}
	var sent atomic.Int64
	results := make([]map[string]*result, n)
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	cpu0 := srv.cpu()
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		res := map[string]*result{}
		results[i] = res
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			w := &worker{c: c, p: p, r: rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano()))), id: i}
			for ctx.Err() == nil && sent.Add(1) <= int64(maxReq) {
				name := w.choose(m, total)
				op := ops[name]
				t0 := time.Now()
				st, err := op.fn(w)
				el := time.Since(t0)
				r := res[name]
				if r == nil {
					r = &result{}
					res[name] = r
				}
				if (strings.HasSuffix(name, "update") || strings.HasSuffix(name, "delete")) && st == 409 && err == nil {
					r.conflicts++
					continue
				}
				if err != nil || st != op.ok {
					r.errors++
					if r.errors <= 3 {
						fmt.Printf("  %s: status %d err %v\n", name, st, err)
					}
					continue
				}
				r.lat = append(r.lat, el)
			}
		}(i)
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := srv.cpu() - cpu0
	all := map[string]*result{}
	reqs, errs := 0, 0
	for _, res := range results {
		for name, r := range res {
			a := all[name]
			if a == nil {
				a = &result{}
				all[name] = a
			}
			a.lat = append(a.lat, r.lat...)
			a.errors += r.errors
			a.conflicts += r.conflicts
			reqs += len(r.lat) + r.errors + r.conflicts
			errs += r.errors
		}
	}
	fmt.Printf("\n%d client(s), %.1f s, %d requests, %.0f req/s, %d errors, server CPU %.2f ms/request\n",
		n, elapsed.Seconds(), reqs, float64(reqs)/elapsed.Seconds(), errs, float64(cpu.Microseconds())/1000/float64(max(reqs, 1)))
	fmt.Printf("  %-8s %8s %8s %9s %9s %7s %9s\n", "op", "count", "req/s", "p50 ms", "p99 ms", "errors", "409s")
	for _, e := range m {
		a := all[e.name]
		if a == nil {
			continue
		}
		fmt.Printf("  %-8s %8d %8.0f %9.2f %9.2f %7d %9d\n", e.name, len(a.lat), float64(len(a.lat))/elapsed.Seconds(),
			ms(pct(a.lat, 50)), ms(pct(a.lat, 99)), a.errors, a.conflicts)
	}
}

func pct(l []time.Duration, p int) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	return s[min(len(s)-1, (len(s)*p+99)/100-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// load creates n customers with k clients.
func load(c *client, p *pool, n, k int) error {
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < k; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			w := &worker{c: c, p: p, r: rand.New(rand.NewPCG(uint64(i)+1000, 1)), id: 1000 + i}
			for next.Add(1) <= int64(n) {
				if st, err := ops["create"].fn(w); err != nil || st != 201 {
					if failed.Add(1) <= 3 {
						fmt.Printf("  create while loading: %d %v\n", st, err)
					}
				}
			}
		}(i)
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		return fmt.Errorf("%d of %d creates failed while loading", f, n)
	}
	return nil
}

// ---- idle ----

func runIdle(srv *server, c *client, records int, idle, sample time.Duration) error {
	p := &pool{}
	t0 := time.Now()
	cpu0 := srv.cpu()
	if err := load(c, p, records, 8); err != nil {
		return err
	}
	el := time.Since(t0)
	rss, anon := srv.rss()
	fmt.Printf("loaded %d customers in %.1f s (%.0f creates/s at 8 clients, server CPU %.2f ms/create); RSS %.1f MB (anonymous %.1f MB)\n",
		records, el.Seconds(), float64(records)/el.Seconds(), float64((srv.cpu()-cpu0).Microseconds())/1000/float64(records), mb(rss), mb(anon))

	// Deep pages: by page number (offset) and by cursor (key).
	var byNumber, byCursor []time.Duration
	for i := 0; i < 50; i++ {
		t := time.Now()
		st, _, err := c.doID("GET", "/api/customers?page=100&limit=50", nil, true, fmt.Sprintf("load-page100-%d", i))
		if err != nil || st != 200 {
			return fmt.Errorf("page 100: %d %v", st, err)
		}
		byNumber = append(byNumber, time.Since(t))
	}
	cursor := ""
	for page := 1; page <= 100; page++ {
		path := "/api/customers?limit=50"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		t := time.Now()
		st, b, err := c.do("GET", path, nil, true)
		if err != nil || st != 200 {
			return fmt.Errorf("cursor page %d: %d %v", page, st, err)
		}
		if page > 50 {
			byCursor = append(byCursor, time.Since(t))
		}
		var r struct {
			Pagination struct {
				NextCursor *string `json:"next_cursor"`
			}
		}
		json.Unmarshal(b, &r)
		if r.Pagination.NextCursor == nil {
			break
		}
		cursor = *r.Pagination.NextCursor
	}
	fmt.Printf("page 100 of 50 by number: p50 %.2f ms, p99 %.2f ms (50 requests, %s); by cursor (pages 51–100): p50 %.2f ms\n",
		ms(pct(byNumber, 50)), ms(pct(byNumber, 99)), srv.logged("load-page100-"), ms(pct(byCursor, 50)))

	fmt.Printf("idle for %s: one GET per second, RSS every %s\n", idle, sample)
	id := p.pick(rand.New(rand.NewPCG(1, 2)))
	end := time.Now().Add(idle)
	nextSample := time.Now()
	var lat []time.Duration
	var worst time.Duration
	var worstAt time.Time
	var rssMin, rssMax, anonMin, anonMax int64
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for now := range tick.C {
		if now.After(end) {
			break
		}
		t := time.Now()
		st, _, err := c.doID("GET", "/api/customers/"+id, nil, true, fmt.Sprintf("load-idle-%d", len(lat)))
		d := time.Since(t)
		if err != nil || st != 200 {
			return fmt.Errorf("idle GET: %d %v", st, err)
		}
		lat = append(lat, d)
		if d > worst {
			worst, worstAt = d, t
		}
		if !now.Before(nextSample) {
			r, a := srv.rss()
			if rssMin == 0 || r < rssMin {
				rssMin = r
			}
			if anonMin == 0 || a < anonMin {
				anonMin = a
			}
			rssMax, anonMax = max(rssMax, r), max(anonMax, a)
			fmt.Printf("  %s  RSS %6.1f MB (anonymous %6.1f MB)  GET %.2f ms\n", now.Format("15:04:05"), mb(r), mb(a), ms(d))
			nextSample = nextSample.Add(sample)
		}
	}
	fmt.Printf("idle: %d GETs, p50 %.2f ms, p99 %.2f ms, max %.2f ms at %s (the server's own slowest: %s); RSS %.1f–%.1f MB (anonymous %.1f–%.1f MB)\n",
		len(lat), ms(pct(lat, 50)), ms(pct(lat, 99)), ms(worst), worstAt.Format("15:04:05.000"), srv.slowest("load-idle-"),
		mb(rssMin), mb(rssMax), mb(anonMin), mb(anonMax))
	return nil
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }
