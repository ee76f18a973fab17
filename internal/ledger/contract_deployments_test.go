package ledger_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
)

var deploymentContract = []contractTest{
	{"AppendDeploymentRoundTrip", testAppendDeploymentRoundTrip},
	{"DeploymentsNewestFirstAndFiltered", testDeploymentsNewestFirstAndFiltered},
	{"EnvNamesSharingAPrefix", testEnvNamesSharingAPrefix},
	{"CurrentSkipsFailed", testCurrentSkipsFailed},
	{"AppendDeploymentRejects", testAppendDeploymentRejects},
	{"StartedRecordsAnIntent", testStartedRecordsAnIntent},
	{"RecordDeploymentWithItsPin", testRecordDeploymentWithItsPin},
	{"DeploymentReference", testDeploymentReference},
	{"CanaryRecords", testCanaryRecords},
	{"CanaryRecordsRejected", testCanaryRecordsRejected},
}

// Where an environment pulled a release from round-trips, is covered by
// the hash chain, and a record without one digests as records did before
// the field existed.
func testDeploymentReference(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
	seedReleases(t, s, "web", "1.0.0")
	d := deployment("prod", "web", "1.0.0", 0)
	d.Reference = "prod.example.com/demo/web@sha256:" + strings.Repeat("ab", 32)
	_, err := s.AppendDeployment(ctx, d)
	require.NoError(t, err)
	cur, err := s.Current(ctx, "web", "prod")
	require.NoError(t, err)
	assert.Equal(t, d.Reference, cur.Reference)

	c, err := s.ReadChain(ctx)
	require.NoError(t, err)
	assert.True(t, ledger.Verify(c, "").OK())

	plain := deployment("prod", "web", "1.0.0", 1)
	e, err := ledger.DeploymentEntry(plain)
	require.NoError(t, err)
	b, err := json.Marshal(plain)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "reference", "older records keep their canonical form: %s", e.Digest)
}

// A deployment and the pin change it makes are one write: both are
// recorded, chained deployment first, or, when the deployment cannot be
// recorded, neither.
func testRecordDeploymentWithItsPin(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
	seedReleases(t, s, "web", "1.0.0", "1.1.0")
	_, err := s.AppendDeployment(ctx, deployment("prod", "web", "1.1.0", 0))
	require.NoError(t, err)

	back := deployment("prod", "web", "1.0.0", 1)
	back.Kind, back.Previous = ledger.KindRollback, "1.1.0"
	pin := ledger.Pin{Image: "web", Env: "prod", Version: "1.0.0", Pinned: true, Reason: "rollback from 1.1.0", By: "ops", At: t0}
	id, err := s.RecordDeployment(ctx, back, &pin)
	require.NoError(t, err)
	cur, err := s.Current(ctx, "web", "prod")
	require.NoError(t, err)
	assert.Equal(t, id, cur.ID)
	got, err := s.Pin(ctx, "web", "prod")
	require.NoError(t, err)
	assert.Equal(t, pin, got)

	// Neither is written when the deployment is refused.
	bad := deployment("prod", "web", "9.9.9", 2)
	unpin := ledger.Pin{Image: "web", Env: "prod", Version: "1.0.0", Reason: "promote of web@9.9.9", By: "ops", At: t0}
	_, err = s.RecordDeployment(ctx, bad, &unpin)
	require.ErrorIs(t, err, ledger.ErrNotFound)
	got, err = s.Pin(ctx, "web", "prod")
	require.NoError(t, err)
	assert.True(t, got.Pinned, "the pin change of a deployment that was not recorded is not recorded either")

	// Without a pin change it is AppendDeployment.
	_, err = s.RecordDeployment(ctx, deployment("prod", "web", "1.1.0", 3), nil)
	require.NoError(t, err)

	c, err := s.ReadChain(ctx)
	require.NoError(t, err)
	rep := ledger.Verify(c, "")
	assert.True(t, rep.OK(), "%v", rep.Problems)
	kinds := []string{}
	for _, l := range c.Links {
		kinds = append(kinds, l.Kind)
	}
	assert.Equal(t, []string{"release", "release", "deployment", "deployment", "pin", "deployment"}, kinds)
}

// A promote or rollback records its intent (outcome started) before it acts
// and its outcome after: the started record is listed, never current, and
// pairs with its outcome by kind, version and start time.
func testStartedRecordsAnIntent(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
	seedReleases(t, s, "web", "1.0.0", "1.1.0")
	_, err := s.AppendDeployment(ctx, deployment("prod", "web", "1.0.0", 0))
	require.NoError(t, err)

	start := deployment("prod", "web", "1.1.0", 1)
	start.Previous, start.Outcome, start.FinishedAt = "1.0.0", ledger.OutcomeStarted, time.Time{}
	start.Reason = "ci on host-1 (pid 42, operation abc, promote web@1.1.0)"
	id, err := s.AppendDeployment(ctx, start)
	require.NoError(t, err)

	ds, err := s.Deployments(ctx, "web", "prod")
	require.NoError(t, err)
	require.Len(t, ds, 2)
	start.ID = id
	assert.Equal(t, start, ds[0], "the started record round-trips, with no finish time")
	cur, err := s.Current(ctx, "web", "prod")
	require.NoError(t, err)
	assert.Equal(t, "1.0.0", cur.Version, "a started deployment is not what runs")
	started, outcome := ledger.LastStarted(ds)
	require.NotNil(t, started)
	assert.Equal(t, id, started.ID)
	assert.Nil(t, outcome, "no outcome recorded yet")

	done := start
	done.ID, done.Outcome, done.Reason, done.FinishedAt = 0, ledger.OutcomeSucceeded, "", start.StartedAt.Add(time.Minute)
	_, err = s.AppendDeployment(ctx, done)
	require.NoError(t, err)
	cur, err = s.Current(ctx, "web", "prod")
	require.NoError(t, err)
	assert.Equal(t, "1.1.0", cur.Version)
	ds, err = s.Deployments(ctx, "web", "prod")
	require.NoError(t, err)
	started, outcome = ledger.LastStarted(ds)
	require.NotNil(t, started)
	require.NotNil(t, outcome)
	assert.Equal(t, ledger.OutcomeSucceeded, outcome.Outcome)
	assert.Len(t, ledger.Finished(ds), 2, "the finished intent is left out of the history shown")
}

func testAppendDeploymentRoundTrip(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
	seedReleases(t, s, "web", "1.0.0", "1.1.0")

	want := deployment("prod", "web", "1.1.0", 0)
	want.Previous = "1.0.0"
	want.Kind = ledger.KindRollback
	want.Outcome = ledger.OutcomeFailed
	want.Reason = "health check /healthz: 503 after 30s"
	want.StartedAt = time.Date(2025, 3, 1, 13, 0, 0, 987654321, time.FixedZone("CET", 3600))
	want.FinishedAt = want.StartedAt.Add(time.Minute)
	id, err := s.AppendDeployment(ctx, want)
	require.NoError(t, err)
	assert.Positive(t, id)

	ds, err := s.Deployments(ctx, "web", "prod")
	require.NoError(t, err)
	require.Len(t, ds, 1)
	want.ID = id
	want.StartedAt = want.StartedAt.UTC()
	want.FinishedAt = want.FinishedAt.UTC()
	assert.Equal(t, want, ds[0])
	assert.Equal(t, time.UTC, ds[0].StartedAt.Location())
}

func testDeploymentsNewestFirstAndFiltered(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
	seedReleases(t, s, "web", "1.0.0", "1.1.0", "1.2.0")
	seedReleases(t, s, "api", "1.0.0")

	var ids []int64
	for i, d := range []ledger.Deployment{
		deployment("dev", "web", "1.0.0", 0),
		deployment("prod", "web", "1.0.0", 1),
		deployment("dev", "web", "1.1.0", 2),
		deployment("dev", "api", "1.0.0", 3),
		// Recorded last with an earlier clock: order follows recording, not clocks.
		deployment("dev", "web", "1.2.0", -10),
	} {
		id, err := s.AppendDeployment(ctx, d)
		require.NoError(t, err, "deployment %d", i)
		ids = append(ids, id)
	}
	assert.IsIncreasing(t, ids)

	tests := []struct {
		name, image, env string
		want             []string // env/version, newest first
	}{
		{name: "one env", image: "web", env: "dev", want: []string{"dev/1.2.0", "dev/1.1.0", "dev/1.0.0"}},
		{name: "all envs", image: "web", env: "", want: []string{"dev/1.2.0", "dev/1.1.0", "prod/1.0.0", "dev/1.0.0"}},
		{name: "other image", image: "api", env: "dev", want: []string{"dev/1.0.0"}},
		{name: "nothing", image: "web", env: "qa", want: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := s.Deployments(ctx, tt.image, tt.env)
			require.NoError(t, err)
			got := []string{}
			for _, d := range ds {
				assert.Equal(t, tt.image, d.Image)
				got = append(got, d.Env+"/"+d.Version)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// Environment names that begin with another's must not leak into its history.
func testEnvNamesSharingAPrefix(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
	seedReleases(t, s, "web", "1.0.0", "2.0.0", "3.0.0")
	for _, d := range []ledger.Deployment{
		deployment("prod", "web", "1.0.0", 0),
		deployment("prod#eu", "web", "2.0.0", 1),
		deployment("prod-eu", "web", "3.0.0", 2),
	} {
		_, err := s.AppendDeployment(ctx, d)
		require.NoError(t, err)
	}
	ds, err := s.Deployments(ctx, "web", "prod")
	require.NoError(t, err)
	require.Len(t, ds, 1)
	assert.Equal(t, "1.0.0", ds[0].Version)
	cur, err := s.Current(ctx, "web", "prod")
	require.NoError(t, err)
	assert.Equal(t, "1.0.0", cur.Version)
	cur, err = s.Current(ctx, "web", "prod#eu")
	require.NoError(t, err)
	assert.Equal(t, "2.0.0", cur.Version)
}

func testCurrentSkipsFailed(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
	seedReleases(t, s, "web", "1.0.0", "1.1.0", "1.2.0")

	_, err := s.Current(ctx, "web", "prod")
	require.ErrorIs(t, err, ledger.ErrNotFound)

	failedFirst := deployment("prod", "web", "1.0.0", 0)
	failedFirst.Outcome = ledger.OutcomeFailed
	_, err = s.AppendDeployment(ctx, failedFirst)
	require.NoError(t, err)
	_, err = s.Current(ctx, "web", "prod")
	require.ErrorIs(t, err, ledger.ErrNotFound, "a failed deployment is not what runs")

	_, err = s.AppendDeployment(ctx, deployment("prod", "web", "1.1.0", 1))
	require.NoError(t, err)
	failed := deployment("prod", "web", "1.2.0", 2)
	failed.Outcome = ledger.OutcomeFailed
	failed.Previous = "1.1.0"
	_, err = s.AppendDeployment(ctx, failed)
	require.NoError(t, err)
	_, err = s.AppendDeployment(ctx, deployment("dev", "web", "1.2.0", 3))
	require.NoError(t, err)

	cur, err := s.Current(ctx, "web", "prod")
	require.NoError(t, err)
	assert.Equal(t, "1.1.0", cur.Version)
	cur, err = s.Current(ctx, "web", "dev")
	require.NoError(t, err)
	assert.Equal(t, "1.2.0", cur.Version)
	_, err = s.Current(ctx, "web", "")
	require.ErrorIs(t, err, ledger.ErrNotFound, "no environment runs nothing")
}

func testAppendDeploymentRejects(t *testing.T, open func() ledger.Store) {
	s := open()
	seedReleases(t, s, "web", "1.0.0")
	tests := []struct {
		name   string
		change func(*ledger.Deployment)
		want   string
		is     error
	}{
		{name: "no env", change: func(d *ledger.Deployment) { d.Env = "" }, want: "env is empty"},
		{name: "no image", change: func(d *ledger.Deployment) { d.Image = "" }, want: "image is empty"},
		{name: "no version", change: func(d *ledger.Deployment) { d.Version = "" }, want: "version is empty"},
		{name: "bad kind", change: func(d *ledger.Deployment) { d.Kind = "deploy" }, want: `kind "deploy"`},
		{name: "bad outcome", change: func(d *ledger.Deployment) { d.Outcome = "ok" }, want: `outcome "ok"`},
		{name: "unrecorded release", change: func(d *ledger.Deployment) { d.Version = "9.9.9" }, want: "web@9.9.9", is: ledger.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := deployment("prod", "web", "1.0.0", 0)
			tt.change(&d)
			_, err := s.AppendDeployment(t.Context(), d)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			ds, err := s.Deployments(t.Context(), "web", "")
			require.NoError(t, err)
			assert.Empty(t, ds)
		})
	}
}
