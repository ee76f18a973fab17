package rollback

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
)

func dep(version, previous, kind, outcome string) ledger.Deployment {
	return ledger.Deployment{Version: version, Previous: previous, Kind: kind, Outcome: outcome}
}

func TestPick(t *testing.T) {
	const ok, failed = ledger.OutcomeSucceeded, ledger.OutcomeFailed
	const promote, rollback = ledger.KindPromote, ledger.KindRollback
	tests := []struct {
		name string
		deps []ledger.Deployment // newest first
		to   string
		want string
		err  error
	}{
		{"previous release", []ledger.Deployment{dep("1.1.0", "1.0.0", promote, ok), dep("1.0.0", "", promote, ok)}, "", "1.0.0", nil},
		{"failed deployments are skipped", []ledger.Deployment{
			dep("1.2.0", "1.1.0", promote, ok), dep("1.1.5", "1.1.0", promote, failed), dep("1.1.0", "", promote, ok)}, "", "1.1.0", nil},
		{"a second rollback goes further back, not forward", []ledger.Deployment{
			dep("1.1.0", "1.2.0", rollback, ok), dep("1.2.0", "1.1.0", promote, ok), dep("1.1.0", "1.0.0", promote, ok), dep("1.0.0", "", promote, ok)}, "", "1.0.0", nil},
		{"only one release", []ledger.Deployment{dep("1.0.0", "", promote, ok)}, "", "", ErrNothingToRollBack},
		{"explicit version that ran", []ledger.Deployment{
			dep("1.2.0", "1.1.0", promote, ok), dep("1.1.0", "1.0.0", promote, ok), dep("1.0.0", "", promote, ok)}, "1.0.0", "1.0.0", nil},
		{"explicit version that never ran", []ledger.Deployment{dep("1.2.0", "", promote, ok)}, "0.9.0", "", ErrNeverRan},
		{"explicit version that only failed", []ledger.Deployment{dep("1.2.0", "1.1.0", promote, ok), dep("1.3.0", "1.2.0", promote, failed)}, "1.3.0", "", ErrNeverRan},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pick(tt.deps, tt.deps[0], tt.to)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
