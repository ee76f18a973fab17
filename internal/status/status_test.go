package status

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/sqlite"
	"github.com/bakehq/bake/internal/targets"
)

func TestOutdatedBase(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir()+"/ledger.db")
	require.NoError(t, err)
	defer store.Close()
	for _, r := range []ledger.Release{
		{Image: "debian", Version: "1.0.0", Status: ledger.StatusValidated},
		{Image: "debian", Version: "1.1.0", Status: ledger.StatusValidated},
		{Image: "debian", Version: "1.2.0", Status: ledger.StatusFailed},
	} {
		r.CreatedAt = time.Now()
		require.NoError(t, store.PutRelease(ctx, r))
	}
	check := newBaseCheck(ctx, store)
	assert.Equal(t, "debian@1.1.0", check.newer("debian@1.0.0"), "a newer validated base exists")
	assert.Empty(t, check.newer("debian@1.1.0"), "built FROM the newest validated base")
	assert.Empty(t, check.newer(""), "no base")
	assert.Empty(t, check.newer("nothing@1.0.0"), "a base with no releases")
}

func TestCompose(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir()+"/ledger.db")
	require.NoError(t, err)
	defer store.Close()
	for _, r := range []ledger.Release{
		{Image: "debian", Version: "1.0.0", Status: ledger.StatusValidated},
		{Image: "debian", Version: "1.1.0", Status: ledger.StatusValidated},
		{Image: "web", Version: "1.0.0", Status: ledger.StatusValidated, Base: "debian@1.0.0", Digest: "sha256:web1"},
	} {
		r.CreatedAt = time.Now()
		require.NoError(t, store.PutRelease(ctx, r))
	}
	now := time.Now()
	_, err = store.AppendDeployment(ctx, ledger.Deployment{Env: "prod", Image: "web", Version: "1.0.0", Digest: "sha256:web1",
		Kind: ledger.KindPromote, Outcome: ledger.OutcomeSucceeded, StartedAt: now, FinishedAt: now, By: "ci"})
	require.NoError(t, err)

	web := &config.Image{Name: "web", Base: "debian"}
	p := &config.Project{
		Images: []*config.Image{{Name: "debian"}, web},
		Environments: []*config.Environment{
			{Name: "prod", Targets: map[string]*config.Target{"web": {Listen: "127.0.0.1:8080"}}},
			{Name: "dev", Targets: map[string]*config.Target{"web": {Listen: "127.0.0.1:8081"}}},
		},
	}
	var seen []targets.Observation
	errEngine := errors.New("the engine did not answer")
	observe := func(_ context.Context, o targets.Observation) (targets.State, error) {
		seen = append(seen, o)
		if o.Env == "dev" {
			return targets.State{}, errEngine
		}
		return targets.State{Replicas: []targets.Replica{{Version: "1.0.0", Running: true}}, Drift: []string{"a replica too many"}}, nil
	}
	res, err := Compose(ctx, Request{Project: p, Images: []*config.Image{web}, Store: store, Observe: observe})
	require.NoError(t, err)
	require.Len(t, res.Images, 1)
	st := res.Images[0]
	assert.Equal(t, "web", st.Image)
	assert.Equal(t, "1.0.0 (validated)", st.Latest)
	assert.Equal(t, "debian@1.1.0", st.OutdatedBase)
	require.Len(t, st.Environments, 2)
	prod, dev := st.Environments[0], st.Environments[1]
	assert.Equal(t, "prod", prod.Env)
	assert.Equal(t, "1.0.0", prod.Version)
	assert.Equal(t, "ci", prod.By)
	assert.Equal(t, "debian@1.1.0", prod.OutdatedBase)
	assert.Equal(t, []string{"a replica too many"}, prod.Drift)
	assert.Len(t, prod.Replicas, 1)
	assert.Equal(t, "dev", dev.Env)
	assert.Empty(t, dev.Version, "nothing recorded in dev")
	assert.Equal(t, "the engine did not answer", dev.LiveUnavailable)
	assert.Equal(t, []targets.Replica{}, dev.Replicas, "an empty list, not null, in the JSON document")
	require.Len(t, seen, 2)
	assert.Equal(t, "sha256:web1", seen[0].Digest, "what runs is compared with the record")
	assert.True(t, res.Drifted)
	assert.True(t, res.Unavailable)
	require.ErrorIs(t, res.Err(), errEngine, "the check's error keeps the first reason whole, so its exit code can tell why")
}

func TestCheckDecision(t *testing.T) {
	unavailable := Result{Unavailable: true, Drifted: true, Images: []Image{{Environments: []Env{{}, {LiveUnavailable: "the engine did not answer"}}}}}
	for _, tc := range []struct {
		name  string
		res   Result
		drift bool
		msg   string
	}{
		{name: "matches the record", res: Result{}},
		{name: "drifted", res: Result{Drifted: true}, drift: true, msg: "drift: what runs differs from the record"},
		{name: "unavailable wins over drift", res: unavailable,
			msg: "checking for drift: live state unavailable (see above): the engine did not answer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.res.Err()
			if tc.msg == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.msg)
			assert.Equal(t, tc.drift, errors.Is(err, ErrDrift))
		})
	}
}
