package e2e

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fault tests break a service under a running bake (the registry during
// a push, the Docker engine during a promote, the AWS endpoint during a
// promote or a release) and check three things: bake exits non-zero with one
// clear line naming what failed, where, and what to do; nothing is recorded
// half-way; and the same command, run again once the service is back,
// succeeds.

// goInternals are phrases of Go's and the AWS SDK's own error texts that
// bake must have translated. (The SDK's "operation error SERVICE: OPERATION"
// before an error may stay: it names the call that failed.)
var goInternals = []string{
	"goroutine ", "panic:", "%!", "runtime error", "dial tcp", "dial unix",
	"exceeded maximum number of attempts", "https response error", "StatusCode:", "RequestID:",
}

// assertClearError checks that res failed with exactly one "bake: " line
// on stderr, naming each of want and free of Go internals, and returns it.
func assertClearError(t *testing.T, res result, want ...string) string {
	t.Helper()
	assert.NotZero(t, res.code, "bake must fail\n%s", res)
	var msgs []string
	for line := range strings.SplitSeq(res.stderr, "\n") {
		if strings.HasPrefix(line, "bake: ") {
			msgs = append(msgs, line)
		}
	}
	require.Len(t, msgs, 1, "one error line on stderr\n%s", res)
	msg := msgs[0]
	for _, w := range want {
		assert.Contains(t, msg, w)
	}
	for _, bad := range goInternals {
		assert.NotContains(t, res.stderr, bad, "Go internals in bake's output")
	}
	t.Logf("error: %s", msg)
	return msg
}

// watchedRun is bake running in the background, its output read line by
// line as it comes, so that a test can break a service at a chosen moment.
type watchedRun struct {
	t              *testing.T
	args           []string
	cmd            *exec.Cmd
	cancel         context.CancelFunc
	stdout, stderr syncBuffer
	exited         chan struct{}
	err            error

	mu      sync.Mutex
	lines   []string
	changed chan struct{}
}

// startWatched starts bake in dir with env added to its environment.
func startWatched(t *testing.T, dir string, env []string, args ...string) *watchedRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bakeTimeout)
	w := &watchedRun{t: t, args: args, cmd: bakeCmd(ctx, dir, env, args...), cancel: cancel,
		exited: make(chan struct{}), changed: make(chan struct{}, 1)}
	stdout, err := w.cmd.StdoutPipe()
	require.NoError(t, err)
	stderr, err := w.cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, w.cmd.Start())
	var readers sync.WaitGroup
	for _, s := range []struct {
		r   io.Reader
		buf *syncBuffer
	}{{stdout, &w.stdout}, {stderr, &w.stderr}} {
		readers.Go(func() {
			sc := bufio.NewScanner(s.r)
			for sc.Scan() {
				_, _ = s.buf.Write(append(sc.Bytes(), '\n'))
				w.add(sc.Text())
			}
		})
	}
	go func() {
		readers.Wait()
		w.err = w.cmd.Wait()
		close(w.exited)
	}()
	t.Cleanup(func() {
		cancel()
		<-w.exited
	})
	return w
}

func (w *watchedRun) add(line string) {
	w.mu.Lock()
	w.lines = append(w.lines, line)
	w.mu.Unlock()
	select {
	case w.changed <- struct{}{}:
	default:
	}
}

// waitLine waits until bake prints a line matching re and returns it; it
// fails the test if bake exits first or within timeout prints none.
func (w *watchedRun) waitLine(re *regexp.Regexp, timeout time.Duration) string {
	w.t.Helper()
	deadline := time.After(timeout)
	for seen := 0; ; {
		w.mu.Lock()
		lines := w.lines[seen:]
		w.mu.Unlock()
		for _, l := range lines {
			if re.MatchString(l) {
				return l
			}
		}
		seen += len(lines)
		select {
		case <-w.changed:
		case <-w.exited:
			w.t.Fatalf("bake %s exited before printing a line matching %s\n%s", strings.Join(w.args, " "), re, w.result())
		case <-deadline:
			w.t.Fatalf("bake %s printed no line matching %s within %s\n%s", strings.Join(w.args, " "), re, timeout, w.stderr.String())
		}
	}
}

// wait waits for bake to exit and returns what it printed.
func (w *watchedRun) wait() result {
	w.t.Helper()
	<-w.exited
	res := w.result()
	var exit *exec.ExitError
	if w.err != nil && !errors.As(w.err, &exit) {
		w.t.Fatalf("bake %s: %v", strings.Join(w.args, " "), w.err)
	}
	w.t.Logf("bake %s: exit %d", strings.Join(w.args, " "), res.code)
	return res
}

func (w *watchedRun) result() result {
	res := result{stdout: w.stdout.String(), stderr: w.stderr.String()}
	select {
	case <-w.exited:
		res.code = w.cmd.ProcessState.ExitCode()
	default:
		res.code = -1
	}
	return res
}

// TestFaultRegistryStoppedDuringPush stops the registry under `bake
// release`: once while the release is validated, before its push starts,
// and once in the middle of the push. Each time bake exits 1 with one line
// naming the registry and what to do, without waiting out the engine's
// retries, and records nothing; once the registry is back, the same command
// records the release, built again from the engine's cache.
func TestFaultRegistryStoppedDuringPush(t *testing.T) {
	t.Parallel()
	reg := newFaultyRegistry(t)
	p := newProject(t, projectOptions{Registry: reg.Addr})
	args := []string{"release", "svc", "--version", "1.0.0"}
	unreachable := "registry " + reg.Addr + " is unreachable"

	// 1. The registry stops while the release is validated.
	run := startWatched(t, p.Dir, nil, args...)
	run.waitLine(regexp.MustCompile(`^validating svc@1\.0\.0 `), time.Minute)
	reg.stop()
	res := run.wait()
	assert.Equal(t, 1, res.code)
	assertClearError(t, res, unreachable, "run the same command again")
	assertNotReleased(t, p, "1.0.0")

	// 2. It stops in the middle of the push, after 1 MiB of the image.
	reg.start()
	stopped := reg.stopAfter(1 << 20)
	start := time.Now()
	res = bake(t, p.Dir, args...)
	took := time.Since(start)
	select {
	case <-stopped:
	default:
		t.Fatalf("the push never carried 1 MiB, so the registry did not stop during it\n%s", res)
	}
	assert.Equal(t, 1, res.code)
	assertClearError(t, res, unreachable, "run the same command again")
	// The engine alone retries a broken upload for 50 s.
	assert.Less(t, took, 40*time.Second, "bake gave up on the unreachable registry late")
	assertNotReleased(t, p, "1.0.0")

	// 3. The registry is back: the same command records the release.
	reg.start()
	res = mustBake(t, p.Dir, args...)
	assert.Contains(t, res.stdout, "released svc@1.0.0")
	assert.Contains(t, res.stderr, "CACHED", "the image is built from the build cache")
	var rel struct {
		Status, Digest, Reference string
	}
	decodeOne(t, mustBake(t, p.Dir, "show", "svc@1.0.0", "-o", "json").stdout, &rel)
	assert.Equal(t, "validated", rel.Status)
	assert.Equal(t, reg.Addr+"/"+p.Name+"/svc@"+rel.Digest, rel.Reference)
	assert.Equal(t, http.StatusOK, registryStatus(t, reg.Addr, p.Name+"/svc", rel.Digest), "the registry has the manifest")
}

// assertNotReleased checks that the ledger has no svc@version.
func assertNotReleased(t *testing.T, p *project, version string) {
	t.Helper()
	res := bake(t, p.Dir, "show", "svc@"+version)
	assert.Equal(t, 2, res.code, "svc@%s is not recorded\n%s", version, res)
	for _, r := range history(t, p, "").Releases {
		assert.NotEqual(t, version, r.Version, "svc@%s is in the history: %+v", version, r)
	}
}

// registryStatus asks the registry at addr for a manifest by digest.
func registryStatus(t *testing.T, addr, repo, digest string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodHead, "http://"+addr+"/v2/"+repo+"/manifests/"+digest, nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json")
	resp, err := frontDoorClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	return resp.StatusCode
}
