package gc

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/sqlite"
	"github.com/bakehq/bake/internal/mototest"
)

// TestLifecycleOnMoto reads, on moto, the state of the AMIs of a release
// that left every environment and of the one prod runs, in the three
// regions they recorded, and lists what retention asks of them. moto 5.2.1
// cannot deprecate an AMI nor protect it (it answers 500): whatever it
// answers, each change ends done (and EC2 says so) or with its error.
func TestLifecycleOnMoto(t *testing.T) {
	ctx := t.Context()
	cfg, err := awsx.Load(ctx, awsx.Settings{Region: amiRegions[0], Endpoint: mototest.Endpoint(t)}, nil)
	require.NoError(t, err)
	cfg.RetryMaxAttempts = 1 // moto's 500 is final: no retries to wait for
	clients := awsx.NewClients(cfg)
	project := "lc-" + time.Now().Format("150405.000000")[7:]
	old, cur := makeAMIs(t, clients, project+"-1.0.0"), makeAMIs(t, clients, project+"-1.1.0")

	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	t0 := time.Now().UTC()
	for i, r := range []ledger.Release{rel("svc", "1.0.0"), rel("svc", "1.1.0")} {
		r.AMIs, r.CreatedAt = []map[string]string{old, cur}[i], t0.Add(time.Duration(i)*time.Minute)
		require.NoError(t, store.PutRelease(ctx, r))
		for _, env := range []string{"dev", "prod"} {
			_, err := store.AppendDeployment(ctx, ledger.Deployment{Env: env, Image: "svc", Version: r.Version, Digest: r.Digest,
				Kind: ledger.KindPromote, Outcome: ledger.OutcomeSucceeded, StartedAt: r.CreatedAt, FinishedAt: r.CreatedAt, By: "ci"})
			require.NoError(t, err)
		}
	}
	p := &config.Project{Name: project, Images: []*config.Image{{Name: "svc"}},
		Retention: config.AMIRetention{DeprecateAfter: 720 * time.Hour, Protect: true},
		Environments: []*config.Environment{
			{Name: "dev", Targets: map[string]*config.Target{"svc": {}}},
			{Name: "prod", Targets: map[string]*config.Target{"svc": {}}}}}
	l := &Lifecycle{Project: p, Ledger: store, AWS: func(context.Context) (*AWS, error) { return AWSOf(clients), nil }}

	changes, err := l.Find(ctx, "svc")
	require.NoError(t, err)
	want := map[string]string{} // AMI -> action
	for _, region := range amiRegions {
		want[region+" "+old[region]] = ActionDeprecate
		want[region+" "+cur[region]] = ActionProtect
	}
	got := map[string]string{}
	for _, c := range changes {
		got[c.AMI.String()] = c.Action
		if c.Action == ActionDeprecate {
			assert.WithinDuration(t, time.Now().Add(720*time.Hour), c.DeprecateAt, 2*time.Minute)
		}
	}
	assert.Equal(t, want, got, "1.0.0 left every environment; prod runs 1.1.0")

	err = l.Change(ctx, changes)
	for _, c := range changes {
		if c.Error != "" {
			assert.ErrorContains(t, err, c.String(), "a failed change is named")
			continue
		}
		require.True(t, c.Done)
		out, derr := clients.In(c.AMI.Region).EC2.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{c.AMI.ID}})
		require.NoError(t, derr)
		if c.Action == ActionDeprecate {
			assert.NotEmpty(t, aws.ToString(out.Images[0].DeprecationTime), "%s", c)
		} else {
			assert.Contains(t, aws.ToString(out.Images[0].DeregistrationProtection), "enabled", "%s", c)
		}
	}
	if err != nil {
		t.Logf("moto cannot make the changes: %v", err)
	}

	none := &Lifecycle{Project: &config.Project{Name: project, Images: p.Images, Environments: p.Environments}, Ledger: store,
		AWS: func(context.Context) (*AWS, error) { t.Fatal("AWS reached with no retention asked"); return nil, nil }}
	changes, err = none.Find(ctx, "svc")
	require.NoError(t, err)
	assert.Empty(t, changes)
}
