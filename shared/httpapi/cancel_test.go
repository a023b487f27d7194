package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"payvand.dev/shared/httpapi"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A client that hangs up while its request is served is logged as a
// cancelled request (499), not as a server error.
func TestClientThatLeavesIsNotAServerError(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	prev := slog.Default()
	slog.SetDefault(logger)
	t.Cleanup(func() { slog.SetDefault(prev) })
	s := httpapi.New(httpapi.Config{Title: "t", Version: "1", Logger: logger})
	inHandler := make(chan struct{})
	httpapi.Register(s, httpapi.Route{Method: "GET", Path: "/api/slow", ID: "slow", Realm: httpapi.Public},
		func(ctx context.Context, _ *struct{}) (*tzOut, error) {
			close(inHandler)
			<-ctx.Done()
			return nil, ctx.Err() // what a store call returns when its context ends
		})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/slow", nil)
	go func() { <-inHandler; cancel() }()
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("the request should have been cancelled")
	}
	srv.Close() // waits for the handler to finish and log
	var request map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		json.Unmarshal([]byte(line), &m)
		if m["level"] == "ERROR" {
			t.Errorf("logged as an error: %s", line)
		}
		if m["msg"] == "request" {
			request = m
		}
	}
	if request == nil || request["status"] != float64(499) {
		t.Fatalf("request log: %v\n%s", request, logs.String())
	}
}
