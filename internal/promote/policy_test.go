package promote

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/sqlite"
)

func project() *config.Project {
	target := map[string]*config.Target{"web": {Type: "docker", Replicas: 1, Listen: "127.0.0.1:1"}}
	return &config.Project{
		Name:   "p",
		Images: []*config.Image{{Name: "web"}, {Name: "worker"}},
		Environments: []*config.Environment{
			{Name: "dev", Targets: target}, {Name: "qa", Targets: target}, {Name: "prod", Targets: target},
		},
	}
}

func TestCheck(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir()+"/ledger.db")
	require.NoError(t, err)
	defer store.Close()

	good := ledger.Release{Image: "web", Version: "1.0.0", Digest: testDigest("aa"), Reference: testRef("aa"), Status: ledger.StatusValidated, CreatedAt: time.Now()}
	bad := ledger.Release{Image: "web", Version: "1.1.0", Status: ledger.StatusFailed, CreatedAt: time.Now()}
	other := ledger.Release{Image: "web", Version: "1.2.0", Digest: testDigest("cc"), Reference: testRef("cc"), Status: ledger.StatusValidated, CreatedAt: time.Now()}
	for _, r := range []ledger.Release{good, bad, other} {
		require.NoError(t, store.PutRelease(ctx, r))
	}
	deploy := func(env string, r ledger.Release, outcome string) {
		_, err := store.AppendDeployment(ctx, ledger.Deployment{Env: env, Image: r.Image, Version: r.Version, Digest: r.Digest,
			Kind: ledger.KindPromote, Outcome: outcome, StartedAt: time.Now(), FinishedAt: time.Now(), By: "t"})
		require.NoError(t, err)
	}
	deploy("dev", good, ledger.OutcomeSucceeded)
	deploy("dev", other, ledger.OutcomeFailed)

	p := project()
	tests := []struct {
		name string
		rel  ledger.Release
		env  string
		want error
	}{
		{"validated release enters the first environment", good, "dev", nil},
		{"succeeded in dev, so qa takes it", good, "qa", nil},
		{"qa comes before prod", good, "prod", ErrRefused},
		{"a failed release never enters", bad, "dev", ErrRefused},
		{"a failed deployment in dev does not count", other, "qa", ErrRefused},
		{"unknown environment", good, "staging", ErrUnknown},
		{"no target for the image", ledger.Release{Image: "worker", Version: "1.0.0", Status: ledger.StatusValidated}, "dev", ErrUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkPolicy(ctx, p, store, tt.rel, tt.env)
			if tt.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tt.want)
		})
	}
	err = checkPolicy(ctx, p, store, good, "prod")
	assert.Contains(t, err.Error(), `has not succeeded in "qa"`)
}

func TestGatesSoakApprovalRevocation(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir()+"/ledger.db")
	require.NoError(t, err)
	defer store.Close()
	p := project()
	p.Environments[2].Gates = config.Gates{Approval: true, Soak: time.Hour}

	rel := ledger.Release{Image: "web", Version: "2.0.0", Digest: testDigest("bb"), Reference: testRef("bb"), Status: ledger.StatusValidated, CreatedAt: time.Now()}
	require.NoError(t, store.PutRelease(ctx, rel))
	_, err = store.AppendDeployment(ctx, ledger.Deployment{Env: "qa", Image: "web", Version: "2.0.0", Digest: testDigest("bb"),
		Kind: ledger.KindPromote, Outcome: ledger.OutcomeSucceeded, StartedAt: time.Now(), FinishedAt: time.Now().Add(-10 * time.Minute), By: "t"})
	require.NoError(t, err)

	err = checkPolicy(ctx, p, store, rel, "prod")
	require.ErrorIs(t, err, ErrRefused)
	assert.Contains(t, err.Error(), "soak: web@2.0.0 ran 10m0s in \"qa\"; \"prod\" asks for 1h0m0s")
	assert.Contains(t, err.Error(), "approval: \"prod\" needs an approval: run `bake approve web@2.0.0 --env prod`")

	require.NoError(t, store.Approve(ctx, ledger.Approval{Image: "web", Version: "2.0.0", Env: "prod", By: "alice"}))
	gates, err := Gates(ctx, p, store, rel, "prod")
	require.NoError(t, err)
	byName := map[string]Gate{}
	for _, g := range gates {
		byName[g.Name] = g
	}
	assert.True(t, byName["approval"].Passed)
	assert.True(t, byName["passed qa"].Passed)
	assert.False(t, byName["soak"].Passed)

	require.NoError(t, store.Revoke(ctx, ledger.Revocation{Image: "web", Version: "2.0.0", Reason: "leaks memory", By: "bob"}))
	err = checkPolicy(ctx, p, store, rel, "qa")
	require.ErrorIs(t, err, ErrRefused)
	assert.Contains(t, err.Error(), "not revoked: web@2.0.0 was revoked by bob: leaks memory")
}

func TestRanFor(t *testing.T) {
	now := time.Now()
	at := func(ago time.Duration) time.Time { return now.Add(-ago) }
	deps := []ledger.Deployment{ // newest first
		{Digest: "c", Outcome: ledger.OutcomeSucceeded, FinishedAt: at(time.Hour)},
		{Digest: "b", Outcome: ledger.OutcomeFailed, FinishedAt: at(2 * time.Hour)},
		{Digest: "a", Outcome: ledger.OutcomeSucceeded, FinishedAt: at(5 * time.Hour)},
	}
	assert.Equal(t, time.Hour, ranFor(deps, "c", now).Round(time.Minute), "still current")
	assert.Equal(t, 4*time.Hour, ranFor(deps, "a", now).Round(time.Minute), "until c replaced it")
	assert.Equal(t, time.Duration(-1), ranFor(deps, "b", now), "a failed deployment never served")
}

func TestFailedWatchBlocksTheNextEnvironment(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir()+"/ledger.db")
	require.NoError(t, err)
	defer store.Close()
	v1 := ledger.Release{Image: "web", Version: "1.0.0", Digest: testDigest("aa"), Reference: testRef("aa"), Status: ledger.StatusValidated, CreatedAt: time.Now()}
	v2 := ledger.Release{Image: "web", Version: "1.1.0", Digest: testDigest("bb"), Reference: testRef("bb"), Status: ledger.StatusValidated, CreatedAt: time.Now()}
	for _, r := range []ledger.Release{v1, v2} {
		require.NoError(t, store.PutRelease(ctx, r))
	}
	record := func(r ledger.Release, kind, previous string) {
		_, err := store.AppendDeployment(ctx, ledger.Deployment{Env: "dev", Image: "web", Version: r.Version, Digest: r.Digest,
			Previous: previous, Kind: kind, Outcome: ledger.OutcomeSucceeded, StartedAt: time.Now(), FinishedAt: time.Now(), By: "t"})
		require.NoError(t, err)
	}
	record(v1, ledger.KindPromote, "")
	record(v2, ledger.KindPromote, "1.0.0")
	p := project()
	require.NoError(t, checkPolicy(ctx, p, store, v2, "qa"), "1.1.0 succeeded in dev")

	record(v1, ledger.KindAutoRollback, "1.1.0")
	err = checkPolicy(ctx, p, store, v2, "qa")
	require.ErrorIs(t, err, ErrRefused)
	assert.Contains(t, err.Error(), `web@1.1.0 failed its health watch in "dev"`)
	require.NoError(t, checkPolicy(ctx, p, store, v1, "qa"), "the release dev went back to may go on")

	// Promoted to dev again, and it stayed: the old failure no longer counts.
	record(v2, ledger.KindPromote, "1.0.0")
	require.NoError(t, checkPolicy(ctx, p, store, v2, "qa"))
}

func TestPinGate(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir()+"/ledger.db")
	require.NoError(t, err)
	defer store.Close()

	require.NoError(t, checkPin(ctx, store, "web", "prod"), "never pinned")
	require.NoError(t, store.SetPin(ctx, ledger.Pin{Image: "web", Env: "prod", Version: "1.0.0", Pinned: true, Reason: "rollback from 1.1.0", By: "ops"}))
	err = checkPin(ctx, store, "web", "prod")
	require.ErrorIs(t, err, ErrRefused)
	assert.Contains(t, err.Error(), `web in "prod" is pinned to 1.0.0`)
	assert.Contains(t, err.Error(), "bake unpin web --env prod")
	require.NoError(t, checkPin(ctx, store, "web", "qa"), "a pin holds one environment")

	require.NoError(t, store.SetPin(ctx, ledger.Pin{Image: "web", Env: "prod", Version: "1.0.0", Reason: "unpinned", By: "dev"}))
	g, err := PinGate(ctx, store, "web", "prod")
	require.NoError(t, err)
	assert.True(t, g.Passed)
}

// testDigest is a well-formed digest for a test release named by s, and
// testRef the reference that names it: what the digest gate expects.
func testDigest(s string) string { return fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(s))) }

func testRef(s string) string { return "127.0.0.1:5000/p/web@" + testDigest(s) }

// checkPolicy is what Promote applies before it deploys: every gate (an
// unknown name first), trust refused on its own (Execute), then every
// unmet gate named.
func checkPolicy(ctx context.Context, p *config.Project, store ledger.Store, rel ledger.Release, env string) error {
	g, err := gates(ctx, p, store, rel, env, false)
	if err != nil {
		return err
	}
	if err := Trust(p, rel); err != nil {
		return err
	}
	if unmet := unmetGates(g); unmet != "" {
		return fmt.Errorf("%w: %s", ErrRefused, unmet)
	}
	return nil
}

// checkPin is the pin gate as `promote --from` applies it.
func checkPin(ctx context.Context, store ledger.Store, image, env string) error {
	g, err := PinGate(ctx, store, image, env)
	if err == nil && !g.Passed {
		err = fmt.Errorf("%w: %s", ErrRefused, g.Detail)
	}
	return err
}
