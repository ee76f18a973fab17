package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/mototest"
	"github.com/bakehq/bake/internal/release"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

// TestValidateAMIRelease runs `bake validate` on a recorded AMI release:
// its command checks run on an instance in moto, which is terminated; a
// check expecting output fails, since moto returns none.
func TestValidateAMIRelease(t *testing.T) {
	ctx := context.Background()
	endpoint := mototest.Endpoint(t)
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "templates", "base"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "images", "base"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bake.yaml"), []byte(`project: demo
aws: {region: us-east-1, endpoint: `+endpoint+`}
images:
  base:
    template: templates/base
    checks:
      - name: sshd
        command: {argv: [sshd, -t]}
      - name: motd
        command: {argv: [cat, /etc/motd], stdout: "{{ .Version }}"}
environments:
  - name: dev
`), 0o644))
	var out, errOut bytes.Buffer
	f := &Factory{Out: &out, Err: &errOut, ConfigPath: filepath.Join(dir, "bake.yaml"), Output: "json", Operation: engine.NewOperationID()}
	defer f.Close()
	clients, err := f.AWS(ctx)
	require.NoError(t, err)
	img, err := clients.EC2.RegisterImage(ctx, &ec2.RegisterImageInput{Name: aws.String("bake-cli-test-" + f.Operation), RootDeviceName: aws.String("/dev/xvda")})
	require.NoError(t, err)
	store, err := f.CreateStore(ctx) // records a release, as bake release would
	require.NoError(t, err)
	require.NoError(t, store.PutRelease(ctx, ledger.Release{Image: "base", Version: "1.0.0", Status: ledger.StatusValidated,
		AMIs: map[string]string{"us-east-1": aws.ToString(img.ImageId)}, CreatedAt: time.Now()}))

	err = runValidate(ctx, f, "base@1.0.0", nil, false)
	require.ErrorIs(t, err, release.ErrValidationFailed)
	var doc struct {
		Passed bool                 `json:"passed"`
		Checks []ledger.CheckResult `json:"checks"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &doc), out.String())
	assert.False(t, doc.Passed)
	require.Len(t, doc.Checks, 2)
	assert.True(t, doc.Checks[0].Passed, doc.Checks[0].Detail)
	assert.Contains(t, doc.Checks[1].Detail, `expected stdout matching "1.0.0", but SSM returned no output`)

	live, err := clients.EC2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag:" + engine.LabelOperation), Values: []string{f.Operation}},
	}})
	require.NoError(t, err)
	require.Len(t, live.Reservations, 1)
	assert.Equal(t, ec2types.InstanceStateNameTerminated, live.Reservations[0].Instances[0].State.Name)
}
