package kubernetes_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/promote"
	"github.com/bakehq/bake/internal/targets"
)

// failedRelease deploys 1.0.0, then 1.1.0 whose pods kwok fails as fate
// says, and checks that 1.1.0's Deployment is gone and the Service never
// moved. It returns the deployment's error.
func failedRelease(t *testing.T, fate string) error {
	f := newFixture(t, config.BlueGreen, config.KeepWarm, 3)
	f.tgt().HealthTimeout = 6 * time.Second
	_, _, err := f.execute(ledger.KindPromote, f.release("1.0.0"))
	require.NoError(t, err)
	svc := f.service()

	f.fresh()
	f.fate(fate)
	_, err = f.target.Deploy(t.Context(), f.request(f.release("1.1.0")))
	require.Error(t, err)
	assert.ErrorIs(t, err, targets.ErrUnhealthy)
	assert.Equal(t, []string{"web-v1-0-0"}, f.deployments(), "the new Deployment is deleted")
	f.selects("1.0.0")
	assert.Equal(t, svc.ResourceVersion, f.service().ResourceVersion, "the Service was never touched")
	return err
}

// TestUnready: pods that never become ready are named with their newest
// warning event (kwok's readiness probe failure).
func TestUnready(t *testing.T) {
	t.Parallel()
	err := failedRelease(t, "unready")
	assert.Contains(t, err.Error(), "pod web-v1-1-0-")
	assert.Contains(t, err.Error(), "Unhealthy: Readiness probe failed")
	assert.Contains(t, err.Error(), "within 6s")
	t.Log(err)
}

// TestCrashLoop: a crash-looping container's BackOff event is named.
func TestCrashLoop(t *testing.T) {
	t.Parallel()
	err := failedRelease(t, "crashloop")
	assert.Contains(t, err.Error(), "pod web-v1-1-0-")
	assert.Contains(t, err.Error(), "BackOff: Back-off restarting failed container app")
	t.Log(err)
}

// TestCancelledWhileWaiting: Ctrl-C during the health wait cleans up as a
// failure does, and says it was interrupted, not unhealthy.
func TestCancelledWhileWaiting(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.BlueGreen, config.KeepWarm, 3)
	_, _, err := f.execute(ledger.KindPromote, f.release("1.0.0"))
	require.NoError(t, err)
	svc := f.service()

	f.fresh()
	f.fate("unready")
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		// Cancel once the new Deployment exists: bake is waiting for it.
		for ctx.Err() == nil {
			if strings.Contains(f.progress.String(), "created Deployment "+f.ns+"/web-v1-1-0") {
				time.Sleep(300 * time.Millisecond)
				cancel()
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	_, err = f.target.Deploy(ctx, f.request(f.release("1.1.0")))
	cancel()
	require.Error(t, err)
	assert.ErrorIs(t, err, targets.ErrInterrupted)
	assert.NotErrorIs(t, err, targets.ErrUnhealthy)
	assert.Equal(t, []string{"web-v1-0-0"}, f.deployments(), "the new Deployment is deleted")
	assert.Equal(t, svc.ResourceVersion, f.service().ResourceVersion, "the Service was never touched")
}

// TestFirstReleaseUnready: with nothing serving, a failed first release
// leaves no Deployment and no Service, and is recorded as failed.
func TestFirstReleaseUnready(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.BlueGreen, config.KeepWarm, 3)
	f.tgt().HealthTimeout = 4 * time.Second
	f.fate("unready")
	_, _, err := f.execute(ledger.KindPromote, f.release("1.0.0"))
	require.ErrorIs(t, err, promote.ErrFailed)
	assert.Contains(t, err.Error(), "Unhealthy: Readiness probe failed")
	assert.Empty(t, f.deployments())
	assert.Nil(t, f.service())
}
