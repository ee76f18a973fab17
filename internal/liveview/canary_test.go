package liveview

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/progress"
)

func TestViewCountsDownACanaryStepAndKeepsTheLastAnalysis(t *testing.T) {
	v, scr, c := newTestView(false)
	mark(v, Started, "started bake-p-dev-svc-1")
	mark(v, Healthy, "bake-p-dev-svc-1 is healthy")
	c.advance(time.Second)
	progress.Mark(v, progress.Step{Kind: Canary, Begins: true, Period: time.Minute, What: "svc@1.1.0"},
		"step 1/2: 10%% of requests to svc@1.1.0 for 1m0s")
	c.advance(5 * time.Second)
	mark(v, Analysis, "canary 40 requests, baseline 360: waiting for 50")
	c.advance(5 * time.Second)
	mark(v, Analysis, "canary 80 requests, baseline 720: pass")
	v.mu.Lock()
	require.NoError(t, v.redraw(nil))
	v.mu.Unlock()
	assert.Equal(t, []string{
		"✓ started   bake-p-dev-svc-1  0.0s",
		"✓ healthy   bake-p-dev-svc-1 is healthy  0.0s",
		"⠋ canary    step 1/2: 10% of requests to svc@1.1.0 for 1m0s, 50s left  11s",
		"✓ analysis  canary 80 requests, baseline 720: pass  10s",
		`⠋ promote svc@1.1.0 to "dev"  11s`,
	}, scr.visible(), "the step counts down; the analysis line shows its latest reading, not a count")

	c.advance(50 * time.Second)
	progress.Mark(v, progress.Step{Kind: Canary, Begins: true, Period: 2 * time.Minute, What: "svc@1.1.0"},
		"step 2/2: 50%% of requests to svc@1.1.0 for 2m0s")
	c.advance(30 * time.Second)
	v.mu.Lock()
	require.NoError(t, v.redraw(nil))
	v.mu.Unlock()
	assert.Contains(t, scr.visible(), "⠋ canary    step 2/2: 50% of requests to svc@1.1.0 for 2m0s, 1m30s left  1m31s",
		"the next step counts down its own pause; the time is the whole canary's")

	progress.Mark(v, progress.Step{Kind: Analysis, Failed: true}, "error rate 5.1%% (baseline 0.2%%, limit +1%%)")
	progress.Mark(v, progress.Step{Kind: Canary, Failed: true}, "aborted at step 1/2")
	assert.Contains(t, scr.visible(), "✗ canary    step 2/2: 50% of requests to svc@1.1.0 for 2m0s  1m31s",
		"a failed analysis marks the step under way failed")
}
