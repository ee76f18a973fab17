package cli

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/builder"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/kubex"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/promote"
	"github.com/bakehq/bake/internal/release"
	"github.com/bakehq/bake/internal/servicestest"
	"github.com/bakehq/bake/internal/signing"
	"github.com/bakehq/bake/internal/signing/keys"
	"github.com/bakehq/bake/internal/targets"
	"github.com/bakehq/bake/internal/version"
)

func TestExitCode(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("promoting web@1.0.0 to %q: %w", "prod", err) }
	tests := []struct {
		err  error
		want int
	}{
		{nil, ExitOK},
		{errors.New("engine said no"), ExitFailed},
		{wrap(promote.ErrFailed), ExitFailed},
		{wrap(release.ErrValidationFailed), ExitFailed},
		{wrap(promote.ErrRefused), ExitRefused},
		{wrap(&ledger.LockedError{Key: "env/prod", Holder: "ci"}), ExitRefused},
		{wrap(promote.ErrNothingToRollBack), ExitRefused},
		{&usageError{"bad flag"}, ExitInput},
		{wrap(config.ErrInvalid), ExitInput},
		{wrap(version.ErrInvalid), ExitInput},
		{wrap(ledger.ErrExists), ExitInput},
		{wrap(ledger.ErrNotFound), ExitInput},
		{wrap(promote.ErrUnknown), ExitInput},
		{wrap(promote.ErrNeverRan), ExitInput},
		{wrap(builder.ErrTemplate), ExitInput},
		{wrap(release.ErrNoBase), ExitInput},
		{wrap(engine.ErrUnreachable), ExitInput},
		{wrap(fmt.Errorf("reading the signing key: %w", keys.ErrInvalidKey)), ExitInput},
		{wrap(fmt.Errorf("%w ~/.kube/config: it has no context \"prod\"", kubex.ErrKubeconfig)), ExitInput},
		{wrap(promote.BadInput(fmt.Errorf("%w ~/.kube/config: it has no context \"prod\"", kubex.ErrKubeconfig))), ExitInput},
		{wrap(promote.BadInput(fmt.Errorf("API server is %w", targets.ErrUnreachable))), ExitFailed},
		{&promote.UntrustedError{Release: "web@1.0.0", Reasons: []error{signing.ErrBadSignature}}, ExitRefused},
	}
	for _, tt := range tests {
		name := "nil"
		if tt.err != nil {
			name = tt.err.Error()
		}
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tt.want, ExitCode(tt.err))
		})
	}
}

func TestMessageAddsHintForUnreachableEngine(t *testing.T) {
	msg := Message(fmt.Errorf("%w at unix:///nope.sock: connection refused", engine.ErrUnreachable))
	assert.Contains(t, msg, "bake: docker engine not reachable")
	assert.Contains(t, msg, "hint: start Docker (`sudo systemctl start docker`, or run `dockerd`), or set DOCKER_HOST")
	assert.NotContains(t, msg, "scripts/", "a user has the binary, not bake's clone")
}

func TestMessageAddsHintForUnusableKubeconfig(t *testing.T) {
	_, err := kubex.Open(kubex.Cluster{Kubeconfig: servicestest.KubeConfig(t), Context: "no-such-context"}, nil)
	require.ErrorIs(t, err, kubex.ErrKubeconfig)
	msg := Message(err)
	assert.Contains(t, msg, `it has no context "no-such-context"`)
	assert.Contains(t, msg, "hint: name a kubeconfig and a context of it with kubeconfig: and context: in the target in bake.yaml, or set KUBECONFIG")
	assert.Equal(t, ExitInput, ExitCode(err))
}
