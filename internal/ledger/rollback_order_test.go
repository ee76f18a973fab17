package ledger_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/bakehq/bake/internal/ledger"
)

// steps builds deployments newest first from steps written oldest first:
// "p 1.1.0" a succeeded promote, "r 1.0.0" a rollback, "a 1.0.0" an
// automatic rollback, "f 1.2.0" a failed promote, "s 1.2.0" a started one.
func steps(steps ...string) []ledger.Deployment {
	var deps []ledger.Deployment
	running := ""
	for i, s := range steps {
		kind, outcome := ledger.KindPromote, ledger.OutcomeSucceeded
		switch s[0] {
		case 'r':
			kind = ledger.KindRollback
		case 'a':
			kind = ledger.KindAutoRollback
		case 'f':
			outcome = ledger.OutcomeFailed
		case 's':
			outcome = ledger.OutcomeStarted
		}
		v := s[2:]
		deps = append([]ledger.Deployment{{ID: int64(i + 1), Version: v, Previous: running, Kind: kind, Outcome: outcome}}, deps...)
		if outcome == ledger.OutcomeSucceeded {
			running = v
		}
	}
	return deps
}

func TestRollbackOrder(t *testing.T) {
	tests := []struct {
		name  string
		steps []string // oldest first
		want  []string // nearest first; the first is the previous good release
	}{
		{"nothing deployed", nil, nil},
		{"one release", []string{"p 1.0.0"}, nil},
		{"the release before", []string{"p 1.0.0", "p 1.1.0"}, []string{"1.0.0"}},
		{"a re-promoted release counts again (defect: went back to 1.0.0)",
			[]string{"p 1.0.0", "p 1.1.0", "r 1.0.0", "p 1.1.0", "p 1.2.0"}, []string{"1.1.0", "1.0.0"}},
		{"a rollback does not go forward to what it left",
			[]string{"p 1.0.0", "p 1.1.0", "p 1.2.0", "r 1.1.0"}, []string{"1.0.0"}},
		{"repeated rollbacks walk further back",
			[]string{"p 1.0.0", "p 1.1.0", "p 1.2.0", "r 1.1.0", "r 1.0.0"}, nil},
		{"a rollback of a rollback after a re-promotion",
			[]string{"p 1.0.0", "p 1.1.0", "r 1.0.0", "p 1.1.0", "r 1.0.0"}, nil},
		{"rolled back with --to past several releases",
			[]string{"p 1.0.0", "p 1.1.0", "p 1.2.0", "r 1.0.0", "p 1.3.0"}, []string{"1.0.0", "1.1.0"}},
		{"an automatic rollback moves away from the failed release",
			[]string{"p 1.0.0", "p 1.1.0", "a 1.0.0", "p 1.2.0"}, []string{"1.0.0"}},
		{"an auto-rolled-back release that later succeeded counts again",
			[]string{"p 1.0.0", "p 1.1.0", "a 1.0.0", "p 1.1.0", "p 1.2.0"}, []string{"1.1.0", "1.0.0"}},
		{"failed and started deploys between never count",
			[]string{"p 1.0.0", "f 1.1.0", "p 1.2.0", "s 1.3.0", "f 1.3.0"}, []string{"1.0.0"}},
		{"a failed deploy of what runs keeps what ran before",
			[]string{"p 1.0.0", "p 1.1.0", "f 1.2.0"}, []string{"1.0.0"}},
		{"the same version deployed twice is listed once",
			[]string{"p 1.0.0", "p 1.1.0", "p 1.0.0", "p 1.2.0"}, []string{"1.0.0", "1.1.0"}},
		{"what runs now is never a target, even from older records",
			[]string{"p 1.0.0", "p 1.1.0", "p 1.0.0"}, []string{"1.1.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, d := range ledger.RollbackOrder(steps(tt.steps...)) {
				got = append(got, d.Version)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}
