package ami

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// motoStartTimeout bounds how long moto_server may take to answer.
const motoStartTimeout = time.Minute

// moto is the one moto_server of this test binary: started by the first
// test that needs it, stopped by TestMain.
var moto struct {
	once     sync.Once
	cmd      *exec.Cmd
	exited   chan struct{}
	log      *os.File
	endpoint string
	skip     string // why the tests that need it are skipped
	err      error  // why moto_server did not start
}

func TestMain(m *testing.M) {
	// Dummy credentials for moto; they reach no other process than this one.
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
	stopMoto()
	os.Exit(code)
}

// motoEndpoint returns the URL of this binary's moto_server, starting it on
// first use, and skips the test when moto_server is not installed.
func motoEndpoint(t *testing.T) string {
	t.Helper()
	moto.once.Do(startMoto)
	if moto.skip != "" {
		t.Skip(moto.skip)
	}
	require.NoError(t, moto.err, "starting moto_server")
	return moto.endpoint
}

func startMoto() {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		moto.skip = "moto_server is not on PATH: skipping the AMI builder's EC2 tests (pip install 'moto[server]' to run them)"
		return
	}
	port, err := freePort()
	if err != nil {
		moto.err = err
		return
	}
	if moto.log, err = os.CreateTemp("", "bake-ami-moto-*.log"); err != nil {
		moto.err = err
		return
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = moto.log, moto.log
	// Its own process group, so that stopping it also stops anything it
	// started; killed with this binary if it dies before TestMain stops it
	// (a panic, go test's timeout).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		moto.err = fmt.Errorf("starting %s: %w", bin, err)
		return
	}
	moto.cmd, moto.exited = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(moto.exited) }()

	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(motoStartTimeout)
	for {
		resp, err := http.Get(endpoint + "/moto-api/")
		if err == nil {
			_ = resp.Body.Close()
			moto.endpoint = endpoint
			return
		}
		select {
		case <-moto.exited:
			moto.err = fmt.Errorf("moto_server exited before answering; its output is in %s", moto.log.Name())
			return
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			moto.err = fmt.Errorf("moto_server did not answer on %s within %s; its output is in %s", endpoint, motoStartTimeout, moto.log.Name())
			return
		}
	}
}

// stopMoto ends the moto_server this binary started, if any.
func stopMoto() {
	if moto.cmd == nil {
		return
	}
	pgid := moto.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-moto.exited:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-moto.exited
	}
	if moto.err == nil {
		_ = os.Remove(moto.log.Name())
	}
}

// freePort returns a loopback port nothing listens on right now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		return 0, errors.New("finding a free port: not a TCP address")
	}
	return addr.Port, nil
}
