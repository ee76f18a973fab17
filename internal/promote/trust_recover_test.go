package promote

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/signing"
	"github.com/bakehq/bake/internal/targets"
)

// recoveringTarget records what recovery asks of it.
type recoveringTarget struct {
	unwatchable
	asked []targets.Recovery
}

func (r *recoveringTarget) Inspect(context.Context, targets.Request) (targets.Live, error) {
	return targets.Live{}, nil
}

func (r *recoveringTarget) Recover(_ context.Context, rec targets.Recovery) (targets.Recovered, error) {
	r.asked = append(r.asked, rec)
	return targets.Recovered{Serves: rec.Recorded.Version}, nil
}

// interruptedPromote records web@1.0.0 serving in dev and a promote of
// web@1.1.0 whose bake died before recording its outcome.
func interruptedPromote(t *testing.T, f *signingFixture) {
	t.Helper()
	ctx := context.Background()
	host, _ := os.Hostname()
	holder := Holder{User: "ci", Host: host, PID: deadPID(t), Operation: "dead01", What: "promote web@1.1.0"}.String()
	now := time.Now()
	for _, d := range []ledger.Deployment{
		{Version: "1.0.0", Outcome: ledger.OutcomeSucceeded, StartedAt: now, FinishedAt: now},
		{Version: "1.1.0", Previous: "1.0.0", Outcome: ledger.OutcomeStarted, Reason: holder, StartedAt: now},
	} {
		d.Env, d.Image, d.Digest, d.Kind, d.By = "dev", "web", testDigest(d.Version), ledger.KindPromote, "ci"
		_, err := f.store.AppendDeployment(ctx, d)
		require.NoError(t, err)
	}
}

// TestRecoverTrustsWhatItDeploys: recovery keeps the interrupted release
// only if it passes the trust gates, and refuses to put back a recorded
// release that does not, before it changes anything.
func TestRecoverTrustsWhatItDeploys(t *testing.T) {
	t.Run("an untrusted interrupted release is not kept", func(t *testing.T) {
		f := newSigningFixture(t)
		f.record(t, "1.0.0", false)
		f.record(t, "1.1.0", true)
		interruptedPromote(t, f)
		env, _ := f.p.Environment("dev")
		tgt := &recoveringTarget{}
		d := &Engine{Project: f.p, Store: f.store, Target: tgt, User: "ann", Operation: "op2"}
		_, err := d.RecoverImages(context.Background(), env, []string{"web"})
		require.NoError(t, err)
		require.Len(t, tgt.asked, 1)
		assert.False(t, tgt.asked[0].Finish, "1.1.0 is unsigned: the recorded 1.0.0 goes back")
	})
	t.Run("an untrusted recorded release is not put back", func(t *testing.T) {
		f := newSigningFixture(t)
		f.record(t, "1.0.0", true)
		f.record(t, "1.1.0", false)
		interruptedPromote(t, f)
		env, _ := f.p.Environment("dev")
		tgt := &recoveringTarget{}
		d := &Engine{Project: f.p, Store: f.store, Target: tgt, User: "ann", Operation: "op2"}
		_, err := d.RecoverImages(context.Background(), env, []string{"web"})
		require.ErrorIs(t, err, ErrRefused)
		require.ErrorIs(t, err, signing.ErrUnsigned)
		assert.Contains(t, err.Error(), `recovering web in "dev" after the interrupted promote: refusing web@1.0.0: it is not signed`)
		assert.Empty(t, tgt.asked, "nothing converged")
		deps, err := f.store.Deployments(context.Background(), "web", "dev")
		require.NoError(t, err)
		assert.Equal(t, ledger.OutcomeStarted, deps[0].Outcome, "the interruption stays on record")
	})
}
