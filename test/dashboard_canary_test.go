package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/test/browser"
)

// TestDashboardShowsACanary: a held canary appears in its environment's
// cell (version, share of requests, step, held, and how the analysis
// judged the step before), and the release's page lists its step changes
// with what the analysis measured.
func TestDashboardShowsACanary(t *testing.T) {
	t.Parallel()
	p := canaryProject(t, "1.1.0", goodRelease, projectOptions{})
	load := startLoad(t, p.url("dev", "/"))
	mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev", "--step")
	// The held step serves its share long enough for a verdict (min_requests).
	time.Sleep(5 * time.Second)
	mustBake(t, p.Dir, "promote", "svc", "--env", "dev", "--continue", "--step")
	assertHeld(t, p, "1.1.0", 2, 50)
	load.stop(t)

	ui := startUI(t, p.Dir)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	page, closeBrowser, err := browser.New(ctx, 1280, 900)
	require.NoError(t, err)
	defer closeBrowser()

	require.NoError(t, chromedp.Do(page,
		chromedp.Navigate(ui.url),
		chromedp.WaitVisible(chromedp.CSS(`td.cell[data-env="dev"] .canary`)),
	))
	canary, err := chromedp.Run(page, chromedp.Text(chromedp.CSS(`td.cell[data-env="dev"] .canary`)))
	require.NoError(t, err)
	assert.Contains(t, canary, "canary svc@1.1.0 50% · step 2/2 · held")
	assert.Regexp(t, `step 1 analysis passed: .*error rate`, canary)
	dev, err := chromedp.Run(page, chromedp.Text(chromedp.CSS(`td.cell[data-env="dev"] .version`)))
	require.NoError(t, err)
	assert.Equal(t, "svc@1.0.0", dev, "the environment's release is still the old one")
	cell, err := chromedp.Run(page, chromedp.Text(chromedp.CSS(`td.cell[data-env="dev"]`)))
	require.NoError(t, err)
	assert.NotContains(t, cell, "warm 1.1.0", "the canary serves requests: it is not kept for rollback")

	history, err := chromedp.Run(page, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#history tbody tr")].slice(0, 3).map(r => r.innerText)`))
	require.NoError(t, err)
	require.Len(t, history, 3)
	assert.Regexp(t, `svc@1\.1\.0 replacing 1\.0\.0\s+dev\s+promote\s+step 2/2: 50%, held\s+e2e\s+analysis of step 1( \(10%\))?: .*error rate`, history[0])
	assert.Regexp(t, `step 1/2: 10%, held`, history[1])
	assert.Contains(t, history[2], "canary under way or interrupted", "the started record of a held canary is not a deployment gone quiet")

	require.NoError(t, chromedp.Do(page,
		chromedp.Click(chromedp.CSS(`td.cell[data-env="dev"] .canary a`)),
		chromedp.WaitVisible(chromedp.CSS(`#release table.deployments`)),
	))
	rows, err := chromedp.Run(page, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#release table.deployments tbody tr")].map(r => r.innerText)`))
	require.NoError(t, err)
	require.Len(t, rows, 3, "started, step 1, step 2: %q", rows)
	assert.Regexp(t, `dev\s+promote replacing 1\.0\.0\s+step 2/2: 50%, held\s+e2e\s+analysis of step 1( \(10%\))?: .*error rate .*passed`, rows[0])
	assert.Regexp(t, `dev\s+promote replacing 1\.0\.0\s+step 1/2: 10%, held\s+e2e`, rows[1])
	assert.NotContains(t, rows[1], "analysis", "the first step has nothing before it to analyse")
	assert.Regexp(t, `^\d{4}-\d\d-\d\d .*started`, rows[2], "the started record shows when it began")

	mustBake(t, p.Dir, "abort", "svc", "--env", "dev")
	ui.stop(t)
}
