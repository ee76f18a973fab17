package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/sqlite"
	"github.com/bakehq/bake/internal/notify"
	"github.com/bakehq/bake/internal/secret"
)

const testSecret = "canary-0123456789"

func TestSecretErrorsAreBadInput(t *testing.T) {
	assert.Equal(t, ExitInput, ExitCode(fmt.Errorf("releasing web: %w: image \"web\" needs secret \"tok\"", secret.ErrInvalid)))
}

func TestLedgerRecordsNoSecret(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"))
	require.NoError(t, err)
	defer s.Close()
	store := ledger.Redacting(s, secret.NewRedactor(testSecret))

	checks := []ledger.CheckResult{{Name: "leak", Kind: "command", Detail: `got "` + testSecret + `"`}}
	rel := ledger.Release{Image: "web", Version: "1.0.0", Digest: "sha256:aa", Status: ledger.StatusFailed, Checks: checks, CreatedAt: time.Now()}
	require.NoError(t, store.PutRelease(ctx, rel))
	assert.Equal(t, `got "`+testSecret+`"`, checks[0].Detail, "the caller's record is not changed")
	got, err := store.Release(ctx, "web", "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, `got "[secret]"`, got.Checks[0].Detail)

	_, err = store.AppendDeployment(ctx, ledger.Deployment{Env: "dev", Image: "web", Version: "1.0.0", Digest: "sha256:aa",
		Kind: ledger.KindPromote, Outcome: ledger.OutcomeFailed, Reason: "replica printed " + testSecret, StartedAt: time.Now(), FinishedAt: time.Now()})
	require.NoError(t, err)
	deps, err := store.Deployments(ctx, "web", "dev")
	require.NoError(t, err)
	require.Len(t, deps, 1)
	assert.Equal(t, "replica printed [secret]", deps[0].Reason)

	pin := &ledger.Pin{Image: "web", Env: "dev", Version: "1.0.0", Pinned: true, Reason: "rollback: " + testSecret, By: "ann"}
	_, err = store.RecordDeployment(ctx, ledger.Deployment{Env: "dev", Image: "web", Version: "1.0.0", Digest: "sha256:aa",
		Kind: ledger.KindRollback, Outcome: ledger.OutcomeSucceeded, Reason: "after " + testSecret, StartedAt: time.Now(), FinishedAt: time.Now()}, pin)
	require.NoError(t, err)
	assert.Equal(t, "rollback: "+testSecret, pin.Reason, "the caller's pin is not changed")
	deps, err = store.Deployments(ctx, "web", "dev")
	require.NoError(t, err)
	assert.Equal(t, "after [secret]", deps[0].Reason)
	got2, err := store.Pin(ctx, "web", "dev")
	require.NoError(t, err)
	assert.Equal(t, "rollback: [secret]", got2.Reason)

	assert.Same(t, ledger.Store(s), ledger.Redacting(s, nil), "no secrets: the store as it is")
}

func TestWebhookEventsCarryNoSecret(t *testing.T) {
	ev := redactEvent(notify.Event{Type: notify.ReleaseFailed, Image: "web", Reason: "building web: " + testSecret}, secret.NewRedactor(testSecret))
	assert.Equal(t, "building web: [secret]", ev.Reason)
	assert.Equal(t, "web", ev.Image)
}

func TestFactoryOutputIsRedacted(t *testing.T) {
	var out, errOut bytes.Buffer
	red := secret.NewRedactor(testSecret)
	f := &Factory{Out: secret.NewWriter(&out, red), Err: secret.NewWriter(&errOut, red), Output: "json", redactor: red}
	fmt.Fprintln(f.Progress(), "the build printed "+testSecret)
	require.NoError(t, f.render(SchemaConfig, configResult{File: fmt.Sprintf("got %q", testSecret+`"`)}, nil))
	fmt.Fprint(f.Err, "bake: no newline canary-")
	f.Close()
	assert.NotContains(t, out.String()+errOut.String(), testSecret)
	assert.Contains(t, errOut.String(), `"text":"the build printed [secret]"`)
	assert.Contains(t, out.String(), `[secret]`)
	assert.Contains(t, errOut.String(), "bake: no newline canary-", "Close writes what was held back")
}

// TestWebhookSecretIsTakenAndRedacted: the key webhook events are signed
// with is hidden like a build secret, and no process bake runs inherits it.
func TestWebhookSecretIsTakenAndRedacted(t *testing.T) {
	t.Setenv(notify.EnvSecret, testSecret)
	f := NewFactory()
	_, set := os.LookupEnv(notify.EnvSecret)
	assert.False(t, set, "BAKE_WEBHOOK_SECRET is still in bake's environment")
	assert.Equal(t, testSecret, f.webhookSecret)
	assert.Equal(t, "signing with [secret]", f.redactor.String("signing with "+testSecret))
}
