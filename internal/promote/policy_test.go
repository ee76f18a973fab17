package promote

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
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
	store, err := ledger.OpenSQLite(ctx, t.TempDir()+"/ledger.db")
	require.NoError(t, err)
	defer store.Close()

	good := ledger.Release{Image: "web", Version: "1.0.0", Digest: "sha256:aa", Status: ledger.StatusValidated, CreatedAt: time.Now()}
	bad := ledger.Release{Image: "web", Version: "1.1.0", Status: ledger.StatusFailed, CreatedAt: time.Now()}
	other := ledger.Release{Image: "web", Version: "1.2.0", Digest: "sha256:cc", Status: ledger.StatusValidated, CreatedAt: time.Now()}
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
			err := Check(ctx, p, store, tt.rel, tt.env)
			if tt.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tt.want)
		})
	}
	err = Check(ctx, p, store, good, "prod")
	assert.Contains(t, err.Error(), `has not succeeded in "qa"`)
}
