// Package e2e drives the built bake binary against the real Docker engine,
// the registry on 127.0.0.1:5000, Caddy and SQLite.
//
// Every test works in projects of its own (newProject: "e2e-" and random
// hex, free ports) and removes only what it created. A test starts with
// t.Parallel() unless it sets the process environment (t.Setenv), counts
// failed requests through a front door while it changes (other tests'
// promotes change the shared front door), races a deadline of a few seconds
// (a release that turns unhealthy at a set time), or races its own
// processes; those run one at a time, before the parallel ones.
package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// bakeTimeout bounds one bake invocation; the demo has its own.
const bakeTimeout = 3 * time.Minute

var (
	// bakeBin is the bake binary under test.
	bakeBin string
	// svcBin is the fixture service, compiled for a FROM scratch image.
	svcBin string
	// repoRoot is the module root, one level above this package.
	repoRoot string
)

func TestMain(m *testing.M) {
	code, err := setup(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func setup(m *testing.M) (int, error) {
	root, err := filepath.Abs("..")
	if err != nil {
		return 0, err
	}
	repoRoot = root
	tmp, err := os.MkdirTemp("", "bake-e2e-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)

	bakeBin = os.Getenv("BAKE_BIN")
	if bakeBin == "" {
		bakeBin = filepath.Join(tmp, "bake")
		if err := goBuild(bakeBin, "./cmd/bake", false); err != nil {
			return 0, err
		}
	}
	if !filepath.IsAbs(bakeBin) {
		return 0, fmt.Errorf("BAKE_BIN=%s: want an absolute path", bakeBin)
	}
	svcBin = filepath.Join(tmp, "svc")
	if err := goBuild(svcBin, "./test/testdata/svc", true); err != nil {
		return 0, err
	}
	if err := checkServices(); err != nil {
		return 0, fmt.Errorf("%w (run `scripts/services.sh up`)", err)
	}
	return withSentinel(m.Run)
}

// goBuild compiles pkg of this module into out.
func goBuild(out, pkg string, static bool) error {
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = repoRoot
	cmd.Env = os.Environ()
	if static {
		cmd.Env = append(cmd.Env, "CGO_ENABLED=0")
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
	}
	return nil
}

// result is what one bake run printed and how it exited.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s\n--- stderr:\n%s", r.code, r.stdout, r.stderr)
}

// bake runs the binary in dir with BAKE_USER=e2e.
func bake(t *testing.T, dir string, args ...string) result {
	t.Helper()
	return bakeEnv(t, dir, nil, args...)
}

// bakeEnv is bake with extra environment variables.
func bakeEnv(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bakeTimeout)
	defer cancel()
	cmd := bakeCmd(ctx, dir, env, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := result{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("bake %s: no exit within %s\n%s", strings.Join(args, " "), bakeTimeout, res)
	case errors.As(err, &exit):
		res.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("bake %s: %v", strings.Join(args, " "), err)
	}
	t.Logf("bake %s: exit %d", strings.Join(args, " "), res.code)
	return res
}

// bakeCmd prepares one bake run without starting it.
func bakeCmd(ctx context.Context, dir string, env []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, bakeBin, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "BAKE_USER=e2e"), env...)
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

// mustBake runs bake and fails the test unless it exits 0.
func mustBake(t *testing.T, dir string, args ...string) result {
	t.Helper()
	res := bake(t, dir, args...)
	if res.code != 0 {
		t.Fatalf("bake %s: want exit 0\n%s", strings.Join(args, " "), res)
	}
	return res
}
