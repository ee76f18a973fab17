// Package mototest runs a moto_server (the AWS API, served on loopback) for
// tests: one per test binary, started by the first test that needs it,
// stopped when the binary ends. Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }
//
// and in a test:
//
//	endpoint := mototest.Endpoint(t) // skips the test without moto_server
//
// StartECSAgent plays ECS's scheduler on that server (see ecsagent.go).
package mototest

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bakehq/bake/internal/loopback"
	"github.com/bakehq/bake/internal/secret"
)

// StartTimeout bounds how long moto_server may take to answer.
const StartTimeout = time.Minute

// Server is one running moto_server.
type Server struct {
	Endpoint string // http://127.0.0.1:PORT
	cmd      *exec.Cmd
	exited   chan struct{}
	log      *os.File
}

var shared struct {
	once sync.Once
	srv  *Server
	skip string
	err  error
}

// Main sets dummy AWS credentials (they reach no process but moto), runs
// the tests, and stops the shared server if a test started it.
func Main(m *testing.M) int {
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           "testing",
		"AWS_SECRET_ACCESS_KEY":       "testing",
		"AWS_SESSION_TOKEN":           "testing",
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_CONFIG_FILE":             os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
	} {
		_ = os.Setenv(k, v)
	}
	for _, k := range []string{"AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EC2"} {
		_ = os.Unsetenv(k)
	}
	code := m.Run()
	if shared.srv != nil {
		shared.srv.Close()
	}
	return code
}

// Endpoint returns the URL of the test binary's moto_server, starting it
// on first use; it skips the test when moto_server is not installed.
func Endpoint(t testing.TB) string {
	t.Helper()
	shared.once.Do(func() {
		if _, err := exec.LookPath("moto_server"); err != nil {
			shared.skip = "moto_server is not on PATH (scripts/services.sh up installs it)"
			return
		}
		shared.srv, shared.err = Start()
	})
	if shared.skip != "" {
		t.Skip(shared.skip)
	}
	if shared.err != nil {
		t.Fatalf("starting moto_server: %v", shared.err)
	}
	return shared.srv.Endpoint
}

// Reset forgets every resource the shared server holds.
func Reset(t testing.TB) {
	t.Helper()
	resp, err := http.Post(Endpoint(t)+"/moto-api/reset", "application/json", nil)
	if err != nil {
		t.Fatalf("resetting moto: %v", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("resetting moto: %s", resp.Status)
	}
}

// Start runs a new moto_server on a free loopback port and waits until it answers.
func Start() (*Server, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, err
	}
	port, err := loopback.FreePort()
	if err != nil {
		return nil, err
	}
	log, err := os.CreateTemp("", "bake-moto-*.log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Env = secret.ChildEnv(os.Environ())
	cmd.Stdout, cmd.Stderr = log, log
	// Its own process group, so that stopping it stops anything it started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	s := &Server{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, exited: make(chan struct{}), log: log}
	go func() { _ = cmd.Wait(); close(s.exited) }()
	deadline := time.Now().Add(StartTimeout)
	for {
		resp, err := http.Get(s.Endpoint + "/moto-api/")
		if err == nil {
			_ = resp.Body.Close()
			return s, nil
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("moto_server exited before answering; its output is in %s", log.Name())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Close()
			return nil, fmt.Errorf("moto_server did not answer on %s within %s; its output is in %s", s.Endpoint, StartTimeout, log.Name())
		}
	}
}

// Close stops the server and everything it started, and removes its log.
func (s *Server) Close() {
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.exited
	}
	_ = s.log.Close()
	_ = os.Remove(s.log.Name())
}
