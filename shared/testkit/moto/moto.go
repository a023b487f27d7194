// Package moto starts a moto_server (a real DynamoDB/S3/SES/SNS/EventBridge
// protocol server) for tests of the AWS adapters.
package moto

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

var (
	once     sync.Once
	endpoint string
	startErr error
	proc     *exec.Cmd
)

// Endpoint returns the URL of a moto_server shared by the test binary,
// starting it on a free loopback port on first use. Without moto_server the
// test is skipped — except in CI (CI=true), where that is a failure.
func Endpoint(t testing.TB) string {
	t.Helper()
	once.Do(start)
	if startErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("moto_server is required in CI: %v", startErr)
		}
		t.Skipf("moto_server not available: %v", startErr)
	}
	return endpoint
}

func start() {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		startErr = err
		return
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		startErr = err
		return
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	proc = exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	proc.Env = append(os.Environ(), "MOTO_ALLOW_NONEXISTENT_REGION=true")
	dieWithParent(proc)
	if err := proc.Start(); err != nil {
		startErr = err
		return
	}
	endpoint = fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(endpoint + "/moto-api/data.json")
		if err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	startErr = fmt.Errorf("moto_server did not answer on %s", endpoint)
}

// Main runs the package's tests and then stops the shared server: the
// whole of a TestMain.
func Main(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// Stop ends the shared server; call it from TestMain after m.Run.
func Stop() {
	if proc != nil && proc.Process != nil {
		proc.Process.Kill()
		proc.Wait()
	}
}

// Config returns an AWS config with static test credentials for moto.
func Config() aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		RetryMaxAttempts: 3,
	}
}

// AWS returns Config pointed at the shared server, starting it if need be.
func AWS(t testing.TB) aws.Config {
	cfg := Config()
	cfg.BaseEndpoint = aws.String(Endpoint(t))
	return cfg
}

// Reset clears everything the server holds.
func Reset(ctx context.Context, ep string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ep+"/moto-api/reset", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}
