package e2e

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUnhealthyVersionLeavesOldServing promotes a release that passed its
// sandbox but is unhealthy by the time it is promoted: the promotion fails,
// the old release serves throughout, and nothing of the new one remains.
func TestUnhealthyVersionLeavesOldServing(t *testing.T) {
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
	assertServes(t, p, "dev", "1.0.0")

	// The time bomb: healthy long enough for the sandbox, not for dev.
	bomb := p.bomb(8 * time.Second)
	p.setHealthyUntil(t, bomb)
	p.release(t, "1.1.0")
	time.Sleep(time.Until(bomb) + time.Second)

	poll := pollFrontDoor(p.url("dev", "/healthz"))
	res := bake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")
	total, failures := poll.stop()
	assert.Equal(t, 1, res.code, res.String())
	assert.Contains(t, res.stderr, "did not become healthy")
	assert.Greater(t, total, 10, "front door polled during the attempt")
	assert.Zero(t, failures, "requests to dev that did not answer 200 during the failed promotion: %v", poll.errs())

	assertServes(t, p, "dev", "1.0.0")
	assertStatus(t, p, "dev", "1.0.0")

	deps := history(t, p, "dev").Deployments
	require.NotEmpty(t, deps)
	newest := deps[0]
	assert.Equal(t, "1.1.0", newest.Version)
	assert.Equal(t, "promote", newest.Kind)
	assert.Equal(t, "failed", newest.Outcome)
	assert.Equal(t, "1.0.0", newest.Previous, "the failed deployment names what dev ran")
	assert.NotEmpty(t, newest.Reason)
	assert.NotContains(t, res.stderr, `"dev" still runs nothing`, "dev still runs 1.0.0")

	ctx := context.Background()
	left, err := listContainers(ctx, "dev.bake.project="+p.Name, "dev.bake.version=1.1.0")
	require.NoError(t, err)
	assert.Empty(t, left, "containers of 1.1.0 left behind")
	old, err := listContainers(ctx, "dev.bake.project="+p.Name, "dev.bake.env=dev", "dev.bake.version=1.0.0")
	require.NoError(t, err)
	running := 0
	for _, c := range old {
		if c.Running {
			running++
		}
	}
	assert.Equal(t, 2, running, "running 1.0.0 replicas: %+v", old)
}

// pollClient keeps its connections alive, as real clients do, so a front
// door that closes them while it switches is caught.
var pollClient = &http.Client{
	Timeout:   5 * time.Second,
	Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 16},
}

// frontDoorPoll asks a URL over and over until stopped.
type frontDoorPoll struct {
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	total    atomic.Int64
	failures atomic.Int64
	mu       sync.Mutex
	seen     []string // the first failures, for the report
}

func pollFrontDoor(url string) *frontDoorPoll {
	return pollFrontDoorWith(url, 1, 20*time.Millisecond)
}

// pollFrontDoorWith asks url from several workers at once, each pausing
// between requests: many workers without a pause are a load under which a
// front door that drops connections while it switches is caught.
func pollFrontDoorWith(url string, workers int, pause time.Duration) *frontDoorPoll {
	ctx, cancel := context.WithCancel(context.Background())
	fp := &frontDoorPoll{cancel: cancel}
	for range workers {
		fp.wg.Add(1)
		go func() {
			defer fp.wg.Done()
			for ctx.Err() == nil {
				fp.once(ctx, url)
				time.Sleep(pause)
			}
		}()
	}
	return fp
}

func (fp *frontDoorPoll) once(ctx context.Context, url string) {
	// A POST with a body: Go's client never sends it again on a broken
	// connection, so every request the front door drops is counted.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader("ping"))
	if err != nil {
		fp.fail(err.Error())
		return
	}
	resp, err := pollClient.Do(req)
	if ctx.Err() != nil {
		return // stopped while asking: not an answer
	}
	fp.total.Add(1)
	if err != nil {
		fp.fail(err.Error())
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fp.fail(resp.Status)
	}
}

func (fp *frontDoorPoll) fail(msg string) {
	fp.failures.Add(1)
	fp.mu.Lock()
	defer fp.mu.Unlock()
	if len(fp.seen) < 5 {
		fp.seen = append(fp.seen, msg)
	}
}

// stop ends polling and returns how many requests were answered and how
// many of them failed.
func (fp *frontDoorPoll) stop() (total, failures int) {
	fp.cancel()
	fp.wg.Wait()
	return int(fp.total.Load()), int(fp.failures.Load())
}

func (fp *frontDoorPoll) errs() []string {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	return append([]string(nil), fp.seen...)
}
