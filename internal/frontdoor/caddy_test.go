package frontdoor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// freeAddr returns a loopback address with a port nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// newCaddy returns a client for a Caddy of its own (free admin port, fresh
// state dir) that is stopped when the test ends.
func newCaddy(t *testing.T) *Caddy {
	t.Helper()
	bin, err := exec.LookPath("caddy")
	require.NoError(t, err, "caddy must be installed: run scripts/services.sh up")
	version, err := binaryVersion(t.Context(), bin)
	require.NoError(t, err)
	require.True(t, atLeast(version, MinVersion), "caddy on PATH (%s) is %s, older than %s: run scripts/services.sh up", bin, version, MinVersion)
	c := &Caddy{Admin: freeAddr(t), StateDir: t.TempDir(), Binary: bin}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("caddy log:\n%s", logTail(filepath.Join(c.StateDir, logFileName), 40))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		assert.NoError(t, c.Stop(ctx))
		killCaddy(t, c)
	})
	return c
}

// caddyPID reads the pid Caddy wrote into the state dir.
func caddyPID(t *testing.T, c *Caddy) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(c.StateDir, pidFileName))
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	require.NoError(t, err)
	return pid
}

// killCaddy kills Caddy's process group, as a crash or `kill -9` would, and
// waits until its admin API is gone.
func killCaddy(t *testing.T, c *Caddy) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(c.StateDir, pidFileName))
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 1 {
		return
	}
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		t.Errorf("killing caddy process group %d: %v", pid, err)
	}
	require.Eventually(t, func() bool { return !c.answers(context.Background()) }, 10*time.Second, 20*time.Millisecond)
}

// backend starts an upstream on loopback that answers body to every request.
func backend(t *testing.T, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// get returns the body of GET http://addr/ or the reason it failed.
func get(client *http.Client, addr string) (string, error) {
	resp, err := client.Get("http://" + addr + "/")
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	return string(body), nil
}

func mustGet(t *testing.T, addr string) string {
	t.Helper()
	body, err := get(http.DefaultClient, addr)
	require.NoError(t, err)
	return body
}

func startCount(t *testing.T, c *Caddy) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(c.StateDir, logFileName))
	require.NoError(t, err)
	return strings.Count(string(data), `"msg":"`+startMessage+`"`)
}

func TestSetUpstreamsSwitches(t *testing.T) {
	ctx := t.Context()
	c := newCaddy(t)
	require.NoError(t, c.Ensure(ctx))
	a, b := backend(t, "a"), backend(t, "b")
	route := Route{ID: "bake-test-switch", Listen: freeAddr(t)}

	_, err := c.Upstreams(ctx, route.ID)
	require.ErrorIs(t, err, ErrNoRoute)

	require.NoError(t, c.SetUpstreams(ctx, route, []string{a}))
	assert.Equal(t, "a", mustGet(t, route.Listen))

	require.NoError(t, c.SetUpstreams(ctx, route, []string{b}))
	assert.Equal(t, "b", mustGet(t, route.Listen))
	ups, err := c.Upstreams(ctx, route.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{b}, ups)

	// A second route lands next to the first in the existing servers map.
	other := Route{ID: "bake-test-other", Listen: freeAddr(t)}
	require.NoError(t, c.SetUpstreams(ctx, other, []string{a, b}))
	ups, err = c.Upstreams(ctx, other.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{a, b}, ups)
	assert.Equal(t, "b", mustGet(t, route.Listen))

	// A route moved to another listen address is rewritten as a whole.
	moved := Route{ID: route.ID, Listen: freeAddr(t)}
	require.NoError(t, c.SetUpstreams(ctx, moved, []string{a}))
	assert.Equal(t, "a", mustGet(t, moved.Listen))

	require.NoError(t, c.Remove(ctx, route.ID))
	_, err = c.Upstreams(ctx, route.ID)
	require.ErrorIs(t, err, ErrNoRoute)
	require.NoError(t, c.Remove(ctx, route.ID))
}

func TestSetUpstreamsRejects(t *testing.T) {
	ctx := t.Context()
	c := &Caddy{Admin: freeAddr(t), StateDir: t.TempDir()}
	ok := Route{ID: "bake-test", Listen: "127.0.0.1:8103"}
	tests := []struct {
		name      string
		route     Route
		upstreams []string
		want      error
	}{
		{"public listen", Route{ID: "x", Listen: "0.0.0.0:8103"}, []string{"127.0.0.1:9000"}, ErrNotLoopback},
		{"remote upstream", ok, []string{"10.0.0.1:9000"}, ErrNotLoopback},
		{"bad id", Route{ID: "a/b", Listen: "127.0.0.1:8103"}, []string{"127.0.0.1:9000"}, nil},
		{"no upstreams", ok, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.SetUpstreams(ctx, tt.route, tt.upstreams)
			require.Error(t, err)
			if tt.want != nil {
				require.ErrorIs(t, err, tt.want)
			}
		})
	}
}

// loadResult is what one load generator saw through the front door.
type loadResult struct {
	sent     int
	failures []string
	bodies   map[string]int
}

// keepLoad sends requests one after another through addr until stop is
// closed, limit passes or 200,000 were sent; the result arrives when done.
func keepLoad(addr string, stop <-chan struct{}, limit time.Duration) <-chan loadResult {
	client := &http.Client{Timeout: 10 * time.Second}
	return sendUntil(stop, limit, func() (string, error) { return get(client, addr) })
}

// sendUntil calls send until stop is closed, limit passes or 200,000 calls
// were made, and collects what it answered.
func sendUntil(stop <-chan struct{}, limit time.Duration, send func() (string, error)) <-chan loadResult {
	done := make(chan loadResult, 1)
	go func() {
		res := loadResult{bodies: map[string]int{}}
		defer func() { done <- res }()
		deadline := time.Now().Add(limit)
		for res.sent < 200000 && time.Now().Before(deadline) {
			select {
			case <-stop:
				return
			default:
			}
			res.sent++
			body, err := send()
			if err != nil {
				res.failures = append(res.failures, err.Error())
				continue
			}
			res.bodies[body]++
		}
	}()
	return done
}

func TestSwitchDropsNoRequests(t *testing.T) {
	ctx := t.Context()
	c := newCaddy(t)
	require.NoError(t, c.Ensure(ctx))
	a, b := backend(t, "a"), backend(t, "b")
	route := Route{ID: "bake-test-load", Listen: freeAddr(t)}
	require.NoError(t, c.SetUpstreams(ctx, route, []string{a}))

	stop := make(chan struct{})
	load := keepLoad(route.Listen, stop, 3*time.Second)
	for i := range 10 {
		time.Sleep(250 * time.Millisecond)
		next := a
		if i%2 == 0 {
			next = b
		}
		if !assert.NoError(t, c.SetUpstreams(ctx, route, []string{next})) {
			break
		}
	}
	close(stop)
	res := <-load

	t.Logf("%d requests during 10 switches: %v, %d failed", res.sent, res.bodies, len(res.failures))
	assert.Empty(t, res.failures)
	assert.Equal(t, res.sent, res.bodies["a"]+res.bodies["b"])
	assert.Positive(t, res.bodies["a"])
	assert.Positive(t, res.bodies["b"])
}

// TestReplaceDropsNoRequests follows a deploy: each switch goes to a new
// upstream and the previous one is closed DrainDelay later.
func TestReplaceDropsNoRequests(t *testing.T) {
	ctx := t.Context()
	c := newCaddy(t)
	require.NoError(t, c.Ensure(ctx))
	newUpstream := func(body string) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, body)
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	current := newUpstream("v0")
	route := Route{ID: "bake-test-replace", Listen: freeAddr(t)}
	require.NoError(t, c.SetUpstreams(ctx, route, []string{current.Listener.Addr().String()}))

	var drained sync.WaitGroup
	stop := make(chan struct{})
	load := keepLoad(route.Listen, stop, 10*time.Second)
	for i := range 10 {
		time.Sleep(200 * time.Millisecond)
		next := newUpstream(fmt.Sprintf("v%d", i+1))
		if !assert.NoError(t, c.SetUpstreams(ctx, route, []string{next.Listener.Addr().String()})) {
			break
		}
		old := current
		current = next
		drained.Go(func() {
			time.Sleep(DrainDelay)
			old.Close()
		})
	}
	drained.Wait()
	close(stop)
	res := <-load

	t.Logf("%d requests during 10 replacements: %v, %d failed", res.sent, res.bodies, len(res.failures))
	assert.Empty(t, res.failures)
	assert.Positive(t, res.bodies["v10"])
}
