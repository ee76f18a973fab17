package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// privateEngine is a Docker engine of one test's own: Debian's dockerd, as
// scripts/services.sh runs it, with its own socket, state and bridge. The
// test restarts it under a running bake; the engine on /var/run/docker.sock,
// which every other test (and every other process on the machine) uses at
// the same time, is never touched. It runs replicas only, on its bridge:
// it needs no iptables rules (it publishes ports on 127.0.0.1 through
// docker-proxy) and no address pool. (Given one, dockerd deletes the
// interface docker0, the other engine's, every time it starts again.)
type privateEngine struct {
	t      *testing.T
	Host   string // DOCKER_HOST
	dir    string
	bridge string
	subnet int // the second octet of 10.N.0.0/24, the bridge's addresses
	proc   *exec.Cmd
	exited chan struct{}
}

// newPrivateEngine starts an engine, points DOCKER_HOST at it for the rest
// of the test (bake runs inherit it), and removes it and everything it ran
// when the test ends. Releases are built before, on the shared engine: a
// release's sandbox network would need an address pool.
func newPrivateEngine(t *testing.T) *privateEngine {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("a Docker engine of the test's own needs root")
	}
	for _, bin := range []string{"dockerd", "ip"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s is not on PATH: the test runs a Docker engine of its own", bin)
		}
	}
	dir, err := os.MkdirTemp("", "bake-engine-")
	require.NoError(t, err)
	e := &privateEngine{t: t, dir: dir, bridge: "bake" + randomHex(t, 4), subnet: freeSubnet(t)}
	e.Host = "unix://" + filepath.Join(dir, "docker.sock")
	ip(t, "link", "add", "name", e.bridge, "type", "bridge")
	hadDocker0 := exec.Command("ip", "link", "show", "docker0").Run() == nil
	t.Cleanup(func() {
		e.stop()
		killLeftovers(t, dir)
		ipQuiet("link", "del", e.bridge)
		if hadDocker0 && exec.Command("ip", "link", "show", "docker0").Run() != nil {
			t.Errorf("the test's Docker engine removed docker0, the bridge of the engine on /var/run/docker.sock")
		}
		if err := os.RemoveAll(dir); err != nil {
			t.Logf("cleanup: %v", err)
		}
	})
	ip(t, "addr", "add", fmt.Sprintf("10.%d.0.1/24", e.subnet), "dev", e.bridge)
	ip(t, "link", "set", e.bridge, "up")
	e.start()
	t.Setenv("DOCKER_HOST", e.Host)
	return e
}

// start runs dockerd and waits until it answers.
func (e *privateEngine) start() {
	t := e.t
	t.Helper()
	log, err := os.OpenFile(filepath.Join(e.dir, "dockerd.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	defer log.Close()
	e.proc = exec.Command("dockerd",
		"--host", e.Host,
		"--data-root", filepath.Join(e.dir, "root"),
		"--exec-root", filepath.Join(e.dir, "exec"),
		"--pidfile", filepath.Join(e.dir, "docker.pid"),
		"--bridge", e.bridge,
		"--iptables=false", "--ip-masq=false",
	)
	e.proc.Stdout, e.proc.Stderr = log, log
	// Its own session, like scripts/services.sh's spawn: a signal for the
	// test binary is not one for the engine.
	e.proc.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	require.NoError(t, e.proc.Start())
	e.exited = make(chan struct{})
	go func(p *exec.Cmd, exited chan struct{}) { _ = p.Wait(); close(exited) }(e.proc, e.exited)

	deadline := time.Now().Add(time.Minute)
	for {
		err := e.ping()
		if err == nil {
			return
		}
		select {
		case <-e.exited:
			t.Fatalf("dockerd exited before answering; see %s", filepath.Join(e.dir, "dockerd.log"))
		default:
		}
		require.True(t, time.Now().Before(deadline), "dockerd did not answer on %s: %v", e.Host, err)
		time.Sleep(100 * time.Millisecond)
	}
}

func (e *privateEngine) ping() error {
	c, err := client.New(client.WithHost(e.Host))
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = c.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true})
	return err
}

// stop stops dockerd as an init system does (SIGTERM, which stops every
// container), and waits until it is gone.
func (e *privateEngine) stop() {
	if e.proc == nil {
		return
	}
	_ = e.proc.Process.Signal(syscall.SIGTERM)
	select {
	case <-e.exited:
	case <-time.After(time.Minute):
		_ = e.proc.Process.Kill()
		<-e.exited
	}
	e.proc = nil
}

// restart stops dockerd and starts it again.
func (e *privateEngine) restart() {
	e.t.Helper()
	start := time.Now()
	e.stop()
	e.start()
	e.t.Logf("restarted the Docker engine in %s", time.Since(start).Round(time.Millisecond))
}

// killLeftovers kills what a stopped engine left running: a container
// start that the restart cut short leaves its containerd shim (named by the
// engine's directory) waiting with a child, forever.
func killLeftovers(t *testing.T, dir string) {
	procs, _ := filepath.Glob("/proc/[0-9]*")
	parents := map[string]string{} // pid -> parent pid
	var shims []string
	for _, proc := range procs {
		pid := filepath.Base(proc)
		if stat, err := os.ReadFile(proc + "/stat"); err == nil {
			// pid (comm) state ppid ...: comm may hold spaces, not ")".
			if fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:])); len(fields) > 1 {
				parents[pid] = fields[1]
			}
		}
		if cmdline, err := os.ReadFile(proc + "/cmdline"); err == nil && strings.Contains(string(cmdline), dir) {
			shims = append(shims, pid)
		}
	}
	for _, shim := range shims {
		for pid, parent := range parents {
			if parent == shim {
				kill(t, pid)
			}
		}
		kill(t, shim)
	}
}

func kill(t *testing.T, pid string) {
	n, err := strconv.Atoi(pid)
	if err == nil && syscall.Kill(n, syscall.SIGKILL) == nil {
		t.Logf("cleanup: killed pid %d, left by the test's Docker engine", n)
	}
}

// freeSubnet picks N such that no route of the machine is in 10.N.0.0/24.
func freeSubnet(t *testing.T) int {
	t.Helper()
	out, err := exec.Command("ip", "-4", "route").Output()
	require.NoError(t, err)
	for range 100 {
		n := 100 + rand.IntN(100)
		if !strings.Contains(string(out), fmt.Sprintf("10.%d.", n)) {
			return n
		}
	}
	t.Fatal("no free 10.N.0.0/24 for the test's Docker engine")
	return 0
}

func ip(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	require.NoError(t, err, "ip %s: %s", strings.Join(args, " "), out)
}

func ipQuiet(args ...string) { _ = exec.Command("ip", args...).Run() }

// TestFaultEngineRestartedDuringPromote restarts the Docker engine that
// runs an environment's replicas while `bake promote` starts the new
// release's replicas (the releases were built and pushed elsewhere). Bake exits 1 with one
// line naming the engine and what to do; the deployment is recorded as
// failed, and nothing else; once the engine is back, the release that ran
// before serves again from the same replicas, behind the same front door;
// and the same command, run again, brings the new release in.
func TestFaultEngineRestartedDuringPromote(t *testing.T) {
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")
	// The new replicas take a while to turn healthy, so the engine restarts
	// while the promote waits for them.
	p.setHealthyAfter(t, 3*time.Second)
	p.release(t, "1.1.0")
	e := newPrivateEngine(t)
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
	before := envStatusOf(t, p, "dev").Upstreams
	lastID := maxDeploymentID(history(t, p, "dev"))

	args := []string{"promote", "svc@1.1.0", "--to", "dev"}
	run := startWatched(t, p.Dir, nil, args...)
	run.waitLine(regexp.MustCompile(`^started bake-`), time.Minute)
	e.restart()
	res := run.wait()
	assert.Equal(t, 1, res.code)
	assertClearError(t, res, "the Docker engine at "+e.Host+" stopped answering", "run the same command again",
		`"dev" still runs 1.0.0`)

	// Nothing half-recorded: the promote failed, and says why.
	var newer []deployment
	for _, d := range history(t, p, "dev").Deployments {
		if d.ID > lastID {
			newer = append(newer, d)
		}
	}
	require.Len(t, newer, 1, "one outcome recorded for the promote: %+v", newer)
	assert.Equal(t, "failed", newer[0].Outcome)
	assert.Equal(t, "1.1.0", newer[0].Version)
	assert.Contains(t, newer[0].Reason, "stopped answering")
	res = mustBake(t, p.Dir, "recover", "dev")
	assert.Contains(t, res.stdout, "nothing was interrupted in dev")

	// The engine restarted 1.0.0's replicas on the ports the front door knows.
	assert.Equal(t, "1.0.0", assertConsistent(t, p))
	assert.ElementsMatch(t, before, envStatusOf(t, p, "dev").Upstreams, "the front door sends traffic where it did")
	mustBake(t, p.Dir, "status", "--check")

	// The same command, run again, succeeds.
	res = mustBake(t, p.Dir, args...)
	assert.Contains(t, res.stdout, "promoted svc in dev to 1.1.0 (was 1.0.0)")
	assert.Equal(t, "1.1.0", assertConsistent(t, p))
	mustBake(t, p.Dir, "status", "--check")
}
