package promote

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/analysis"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/servicestest"
	"github.com/bakehq/bake/internal/targets"
)

// noTrafficTarget is a canary target that cannot count requests per
// release, as a Kubernetes Service cannot.
type noTrafficTarget struct{ *canaryTarget }

func (noTrafficTarget) Traffic(context.Context, targets.Request, []targets.Replica, time.Time) (analysis.Sample, analysis.Sample, error) {
	return analysis.Sample{}, analysis.Sample{}, fmt.Errorf("web in \"dev\": %w", targets.ErrNoTraffic)
}

// A target with no front door is judged by its Prometheus queries alone:
// a query within its limit passes every step, with its measurement alone
// recorded, and nothing says "too few requests".
func TestCanaryWithoutTrafficIsJudgedByPrometheusAlone(t *testing.T) {
	e, fake, _ := newCanaryEngine(t)
	e.Target = noTrafficTarget{fake}
	withQuery(e, servicestest.PrometheusURL, `vector(0)`)
	res, err := e.Promote(context.Background(), PromoteRequest{Image: "web", Version: "1.1.0", To: "dev"})
	require.NoError(t, err)
	assert.Equal(t, []string{"start 1.1.0", "shift 10", "shift 50", "shift 100", "retire 1.0.0"}, fake.Calls())
	assert.Equal(t, ledger.OutcomeSucceeded, res.Deployment.Outcome)
	require.Len(t, res.Deployment.Analysis, 1, "only the query is measured")
	assert.Equal(t, "error-ratio", res.Deployment.Analysis[0].Name)
	assert.True(t, res.Deployment.Analysis[0].CanaryOnly)
}

// A query out of its limit fails the canary there as anywhere: every
// request goes back, and the failure names the query.
func TestCanaryWithoutTrafficFailsOnItsQuery(t *testing.T) {
	e, fake, _ := newCanaryEngine(t)
	e.Target = noTrafficTarget{fake}
	withQuery(e, servicestest.PrometheusURL, `vector(1)`)
	_, err := e.Promote(context.Background(), PromoteRequest{Image: "web", Version: "1.1.0", To: "dev"})
	require.ErrorIs(t, err, ErrFailed)
	assert.Equal(t, []string{"start 1.1.0", "shift 10", "abort 1.1.0"}, fake.Calls())
	assert.Contains(t, err.Error(), `failed its canary analysis in "dev" at step 1/2 (10%): error-ratio`)
	assert.NotContains(t, err.Error(), "front door")
}
