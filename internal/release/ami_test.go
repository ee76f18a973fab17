package release

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/sqlite"
	"github.com/bakehq/bake/internal/mototest"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

const testRegion = "us-east-1"

// amiFixture is a Releaser with a SQLite ledger and moto's EC2 and SSM,
// and an AMI registered in moto.
type amiFixture struct {
	r       *Releaser
	clients *awsx.Clients
	ami     string
	store   ledger.Store
}

func newAMIFixture(t *testing.T) *amiFixture {
	ctx := context.Background()
	cfg, err := awsx.Load(ctx, awsx.Settings{Region: testRegion, Endpoint: mototest.Endpoint(t)}, nil)
	require.NoError(t, err)
	c := awsx.NewClients(cfg)
	img, err := c.EC2.RegisterImage(ctx, &ec2.RegisterImageInput{
		Name: aws.String("bake-release-test-" + engine.NewOperationID()), RootDeviceName: aws.String("/dev/xvda"),
		VirtualizationType: aws.String("hvm"), Architecture: ec2types.ArchitectureValuesX8664,
	})
	require.NoError(t, err)
	store, err := sqlite.Open(ctx, t.TempDir()+"/ledger.db")
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	f := &amiFixture{clients: c, ami: aws.ToString(img.ImageId), store: store, r: &Releaser{
		Project: &config.Project{Name: "demo"}, Store: store, Operation: engine.NewOperationID(), User: "test",
		Progress: &bytes.Buffer{},
		AWS:      func(context.Context) (*awsx.Clients, error) { return c, nil },
	}}
	t.Cleanup(func() {
		out, err := c.EC2.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
			{Name: aws.String("tag:" + engine.LabelOperation), Values: []string{f.r.Operation}},
			{Name: aws.String("instance-state-name"), Values: []string{"pending", "running", "stopping", "stopped"}},
		}})
		require.NoError(t, err)
		assert.Empty(t, out.Reservations, "instances of operation %s left alive", f.r.Operation)
	})
	return f
}

func (f *amiFixture) release(t *testing.T, checks ...config.Check) (ledger.Release, error) {
	o := Options{Image: &config.Image{Name: "base", Checks: checks}, Version: "1.0.0"}
	rel := ledger.Release{Image: "base", Version: "1.0.0", InputsDigest: "sha256:inputs", CreatedBy: "test"}
	return f.r.releaseAMIs(context.Background(), o, rel, map[string]string{testRegion: f.ami})
}

func (f *amiFixture) recorded(t *testing.T) ledger.Release {
	rel, err := f.store.Release(context.Background(), "base", "1.0.0")
	require.NoError(t, err)
	return rel
}

func command(name string, exit int, argv ...string) config.Check {
	return config.Check{Name: name, Command: &config.CommandCheck{Argv: argv, ExitCode: exit, Timeout: 30 * time.Second}}
}

func TestAMIReleaseValidatedOnEC2(t *testing.T) {
	f := newAMIFixture(t)
	rel, err := f.release(t, command("sshd config", 0, "sshd", "-t"))
	require.NoError(t, err)
	assert.Equal(t, ledger.StatusValidated, rel.Status)
	got := f.recorded(t)
	assert.Equal(t, ledger.StatusValidated, got.Status)
	assert.Equal(t, map[string]string{testRegion: f.ami}, got.AMIs)
	assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, got.Digest, "an AMI release has a digest of its own, which promotion compares")
	require.Len(t, got.Checks, 1)
	assert.True(t, got.Checks[0].Passed)
	assert.Equal(t, `"sshd -t" exited 0 (no output)`, got.Checks[0].Detail)
	assert.Contains(t, f.r.Progress.(*bytes.Buffer).String(), "validating base@1.0.0 on EC2 in us-east-1")
}

func TestAMIReleaseFailsOnEC2(t *testing.T) {
	f := newAMIFixture(t)
	_, err := f.release(t, command("exits 1", 1, "false"), command("true", 0, "true"))
	require.ErrorIs(t, err, ErrValidationFailed)
	assert.Contains(t, err.Error(), `base@1.0.0: exits 1: "false": expected exit 1, got 0`)
	got := f.recorded(t)
	assert.Equal(t, ledger.StatusFailed, got.Status)
	require.Len(t, got.Checks, 2)
	assert.False(t, got.Checks[0].Passed)
	assert.True(t, got.Checks[1].Passed)
}

// TestAMIReleaseSandboxError: a sandbox that could not run records
// nothing, as on the docker path.
func TestAMIReleaseSandboxError(t *testing.T) {
	f := newAMIFixture(t)
	o := Options{Image: &config.Image{Name: "base", Sandbox: config.Sandbox{Subnet: "subnet-0deadbeef"}, Checks: []config.Check{command("true", 0, "true")}}, Version: "1.0.0"}
	_, err := f.r.releaseAMIs(context.Background(), o, ledger.Release{Image: "base", Version: "1.0.0"}, map[string]string{testRegion: f.ami})
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrValidationFailed)
	assert.Contains(t, err.Error(), "validating base@1.0.0 on EC2: looking up subnet subnet-0deadbeef")
	_, err = f.store.Release(context.Background(), "base", "1.0.0")
	assert.ErrorIs(t, err, ledger.ErrNotFound)
}

func TestAMIReleaseWithoutChecks(t *testing.T) {
	f := newAMIFixture(t)
	f.r.AWS = func(context.Context) (*awsx.Clients, error) { t.Fatal("no checks: AWS is not needed"); return nil, nil }
	rel, err := f.release(t)
	require.NoError(t, err)
	assert.Equal(t, ledger.StatusValidated, rel.Status)
	assert.Empty(t, f.recorded(t).Checks)
}

func TestAMIReleaseWithoutAWS(t *testing.T) {
	f := newAMIFixture(t)
	f.r.AWS = nil
	_, err := f.release(t, command("true", 0, "true"))
	require.ErrorIs(t, err, ErrValidationFailed)
	assert.Equal(t, ledger.StatusFailed, f.recorded(t).Status)
}

// TestAMIReleaseReusedRunsChecks: a release reusing an earlier AMI runs
// the checks again, since they may depend on the version.
func TestAMIReleaseReusedRunsChecks(t *testing.T) {
	f := newAMIFixture(t)
	prev := ledger.Release{Image: "base", Version: "0.9.0", Status: ledger.StatusValidated, AMIs: map[string]string{testRegion: f.ami}}
	o := Options{Image: &config.Image{Name: "base", Checks: []config.Check{command("exits 1", 1, "false")}}, Version: "1.0.0"}
	_, err := f.r.releaseReused(context.Background(), o, ledger.Release{Image: "base", Version: "1.0.0"}, prev)
	require.ErrorIs(t, err, ErrValidationFailed)
	got := f.recorded(t)
	assert.Equal(t, ledger.StatusFailed, got.Status)
	assert.Equal(t, "base@0.9.0", got.Provenance.ReusedFrom)
	require.Len(t, got.Checks, 1)
}
