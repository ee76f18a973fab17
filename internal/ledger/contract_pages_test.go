package ledger_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
)

var pageContract = []contractTest{
	{"DeploymentPagesNewestFirst", testDeploymentPagesNewestFirst},
	{"DeploymentPageAfter", testDeploymentPageAfter},
	{"DeploymentPageRejectsNoLimit", testDeploymentPageRejectsNoLimit},
	{"WalksReadWhatWholeHistorySays", testWalksReadWhatWholeHistorySays},
	{"FinishedPageAcrossPages", testFinishedPageAcrossPages},
}

// ids lists the ids of deployments.
func ids(ds []ledger.Deployment) []int64 {
	out := []int64{}
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}

// Pages of one environment, of every environment, and of an environment
// whose name is another's prefix, newest first: walking them page by page
// lists exactly what Deployments lists.
func testDeploymentPagesNewestFirst(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
	seedReleases(t, s, "web", "1.0.0", "1.1.0")
	seedReleases(t, s, "api", "1.0.0")
	envs := []string{"a", "a#b", "prod"}
	for i := range 23 {
		_, err := s.AppendDeployment(ctx, deployment(envs[i%3], "web", []string{"1.0.0", "1.1.0"}[i%2], i))
		require.NoError(t, err)
		if i%5 == 0 {
			_, err := s.AppendDeployment(ctx, deployment("a", "api", "1.0.0", i))
			require.NoError(t, err)
		}
	}
	for _, env := range append(envs, "") {
		all, err := s.Deployments(ctx, "web", env)
		require.NoError(t, err)
		for _, limit := range []int{1, 4, 100} {
			var got []ledger.Deployment
			q := ledger.DeploymentQuery{Image: "web", Env: env, Limit: limit}
			for {
				page, err := s.DeploymentPage(ctx, q)
				require.NoError(t, err)
				require.LessOrEqual(t, len(page), limit)
				got = append(got, page...)
				if len(page) < limit {
					break
				}
				q.Before = page[len(page)-1].ID
			}
			assert.Equal(t, all, got, "env %q, pages of %d", env, limit)
		}
		var walked []ledger.Deployment
		require.NoError(t, ledger.WalkDeployments(ctx, s, "web", env, func(d ledger.Deployment) (bool, error) {
			walked = append(walked, d)
			return true, nil
		}))
		assert.Equal(t, all, walked, "env %q walked", env)
	}
	page, err := s.DeploymentPage(ctx, ledger.DeploymentQuery{Image: "nothing", Env: "a", Limit: 5})
	require.NoError(t, err)
	assert.Empty(t, page)
}

// With After, a page lists what was recorded after a deployment, oldest first.
func testDeploymentPageAfter(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
	seedReleases(t, s, "web", "1.0.0")
	var prod []int64
	for i := range 6 {
		env := []string{"prod", "qa"}[i%2]
		id, err := s.AppendDeployment(ctx, deployment(env, "web", "1.0.0", i))
		require.NoError(t, err)
		if env == "prod" {
			prod = append(prod, id)
		}
	}
	page, err := s.DeploymentPage(ctx, ledger.DeploymentQuery{Image: "web", Env: "prod", After: prod[0], Limit: 10})
	require.NoError(t, err)
	assert.Equal(t, prod[1:], ids(page))
	page, err = s.DeploymentPage(ctx, ledger.DeploymentQuery{Image: "web", Env: "prod", After: prod[0], Limit: 1})
	require.NoError(t, err)
	assert.Equal(t, prod[1:2], ids(page))
	page, err = s.DeploymentPage(ctx, ledger.DeploymentQuery{Image: "web", After: prod[0], Before: prod[2], Limit: 10})
	require.NoError(t, err)
	assert.Equal(t, []int64{prod[0] + 1, prod[1], prod[1] + 1}, ids(page), "every environment, between two ids")
}

func testDeploymentPageRejectsNoLimit(t *testing.T, open func() ledger.Store) {
	_, err := open().DeploymentPage(t.Context(), ledger.DeploymentQuery{Image: "web", Env: "prod"})
	require.ErrorIs(t, err, ledger.ErrNoLimit)
}

// The walks that stop early (the rollback order, the newest started
// record) find what the rules find in the whole history, however long.
func testWalksReadWhatWholeHistorySays(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
	seedReleases(t, s, "web", "1.0.0", "1.1.0", "1.2.0", "1.3.0")
	rec := func(minute int, kind, version, previous, outcome string) {
		d := deployment("prod", "web", version, minute)
		d.Kind, d.Previous, d.Outcome = kind, previous, outcome
		_, err := s.AppendDeployment(ctx, d)
		require.NoError(t, err)
	}
	// Long history of 1.0.0 and 1.1.0, then 1.2.0, a rollback, 1.3.0, an
	// interrupted promote: the walks must look past the first page.
	for i := range 40 {
		rec(i, ledger.KindPromote, []string{"1.0.0", "1.1.0"}[i%2], "", ledger.OutcomeSucceeded)
	}
	rec(50, ledger.KindPromote, "1.2.0", "1.1.0", ledger.OutcomeSucceeded)
	rec(51, ledger.KindRollback, "1.1.0", "1.2.0", ledger.OutcomeSucceeded)
	rec(52, ledger.KindPromote, "1.3.0", "1.1.0", ledger.OutcomeStarted)
	for i := range 30 {
		rec(60+i, ledger.KindPromote, "1.3.0", "1.1.0", ledger.OutcomeFailed)
	}
	all, err := s.Deployments(ctx, "web", "prod")
	require.NoError(t, err)

	var walked []ledger.Deployment
	require.NoError(t, ledger.WalkRollbackOrder(ctx, s, "web", "prod", func(d ledger.Deployment) (bool, error) {
		walked = append(walked, d)
		return true, nil
	}))
	assert.Equal(t, ledger.RollbackOrder(all), walked)
	require.NotEmpty(t, walked)
	assert.Equal(t, "1.0.0", walked[0].Version, "1.2.0 was rolled back from, 1.1.0 runs")

	started, outcome, err := ledger.NewestStarted(ctx, s, "web", "prod")
	require.NoError(t, err)
	wantStarted, wantOutcome := ledger.LastStarted(all)
	require.NotNil(t, started)
	assert.Equal(t, *wantStarted, *started)
	assert.Equal(t, wantOutcome, outcome)
	assert.Nil(t, outcome)
}

// A page of history leaves out started records whose outcome is recorded,
// also when the outcome is on the page before.
func testFinishedPageAcrossPages(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
	seedReleases(t, s, "web", "1.0.0", "1.1.0")
	for i := range 5 {
		d := deployment("prod", "web", []string{"1.0.0", "1.1.0"}[i%2], i)
		d.Outcome, d.FinishedAt = ledger.OutcomeStarted, time.Time{}
		_, err := s.AppendDeployment(ctx, d)
		require.NoError(t, err)
		if i == 4 {
			break // the last one is under way
		}
		d = deployment("prod", "web", []string{"1.0.0", "1.1.0"}[i%2], i)
		_, err = s.AppendDeployment(ctx, d)
		require.NoError(t, err)
	}
	all, err := s.Deployments(ctx, "web", "prod")
	require.NoError(t, err)
	want := ledger.Finished(all)
	for _, limit := range []int{1, 2, 3, 9} {
		var got []ledger.Deployment
		q := ledger.DeploymentQuery{Image: "web", Env: "prod", Limit: limit}
		for {
			page, err := s.DeploymentPage(ctx, q)
			require.NoError(t, err)
			shown, err := ledger.FinishedPage(ctx, s, page)
			require.NoError(t, err)
			got = append(got, shown...)
			if len(page) < limit {
				break
			}
			q.Before = page[len(page)-1].ID
		}
		assert.Equal(t, ids(want), ids(got), fmt.Sprintf("pages of %d", limit))
	}
}
