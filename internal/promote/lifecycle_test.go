package promote

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/artifact"
	"github.com/bakehq/bake/internal/ledger"
)

// lifecycleCalls records the images the AMI lifecycle was applied to, and
// fails as told.
type lifecycleCalls struct {
	images []string
	err    error
}

func (l *lifecycleCalls) Apply(_ context.Context, image string) error {
	l.images = append(l.images, image)
	return l.err
}

// The AMI lifecycle runs after each promote and rollback of an AMI release
// that switched; its failure is one warning line and the deployment stands.
func TestEngineAppliesAMILifecycle(t *testing.T) {
	ctx := context.Background()
	e := newTestEngine(t)
	for _, v := range []string{"1.0.0", "1.1.0"} {
		amis := map[string]string{"us-east-1": "ami-" + v}
		require.NoError(t, e.Store.PutRelease(ctx, ledger.Release{Image: "web", Version: v, Digest: artifact.AMIDigest(amis),
			Status: ledger.StatusValidated, CreatedAt: time.Now(), AMIs: amis}))
	}
	require.NoError(t, e.Store.PutRelease(ctx, ledger.Release{Image: "web", Version: "1.2.0", Digest: testDigest("1.2.0"),
		Reference: testRef("1.2.0"), Status: ledger.StatusValidated, CreatedAt: time.Now()})) // a container image
	calls := &lifecycleCalls{}
	var progress bytes.Buffer
	e.Lifecycle, e.Progress = calls, &progress

	for _, v := range []string{"1.0.0", "1.1.0"} {
		_, err := e.Promote(ctx, PromoteRequest{Image: "web", Version: v, To: "dev"})
		require.NoError(t, err)
	}
	_, err := e.Promote(ctx, PromoteRequest{Image: "web", Version: "1.2.0", To: "dev"})
	require.NoError(t, err)
	assert.Equal(t, []string{"web", "web"}, calls.images, "a container release changes no AMI")

	calls.err = errors.New("applying retention to the AMIs of web: 1 of 1 AMI changes failed")
	res, err := e.Rollback(ctx, RollbackRequest{Image: "web", Env: "dev"})
	require.NoError(t, err, "the rollback stands")
	assert.Equal(t, "1.1.0", res.Deployment.Version)
	assert.Equal(t, []string{"web", "web", "web"}, calls.images)
	var warnings []string
	for _, line := range strings.Split(progress.String(), "\n") {
		if strings.Contains(line, "warning:") {
			warnings = append(warnings, line)
		}
	}
	assert.Equal(t, []string{"warning: applying retention to the AMIs of web: 1 of 1 AMI changes failed; " +
		"the deployment stands, and the next promote, rollback or gc applies the AMI retention again"}, warnings)
}
