package promote

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/bakehq/bake/internal/ledger"
)

func TestPinChange(t *testing.T) {
	const ok, failed = ledger.OutcomeSucceeded, ledger.OutcomeFailed
	dep := func(kind, version, previous, outcome string) ledger.Deployment {
		return ledger.Deployment{Image: "web", Env: "prod", Kind: kind, Version: version, Previous: previous, Outcome: outcome}
	}
	pinned := func(v string) *ledger.Pin { return &ledger.Pin{Image: "web", Env: "prod", Version: v, Pinned: true} }
	released := &ledger.Pin{Image: "web", Env: "prod", Version: "1.0.0"}
	tests := []struct {
		name    string
		dep     ledger.Deployment
		inForce *ledger.Pin
		want    *ledger.Pin // nil: no change
	}{
		{"a rollback pins", dep(ledger.KindRollback, "1.0.0", "1.1.0", ok), nil,
			&ledger.Pin{Image: "web", Env: "prod", Version: "1.0.0", Pinned: true, Reason: "rollback from 1.1.0", By: "ann"}},
		{"an automatic rollback pins", dep(ledger.KindAutoRollback, "1.0.0", "1.1.0", ok), released,
			&ledger.Pin{Image: "web", Env: "prod", Version: "1.0.0", Pinned: true, Reason: "automatic rollback from 1.1.0", By: "ann"}},
		{"a rollback moves the pin", dep(ledger.KindRollback, "0.9.0", "1.0.0", ok), pinned("1.0.0"),
			&ledger.Pin{Image: "web", Env: "prod", Version: "0.9.0", Pinned: true, Reason: "rollback from 1.0.0", By: "ann"}},
		{"a rollback to the pinned version changes nothing", dep(ledger.KindRollback, "1.0.0", "1.1.0", ok), pinned("1.0.0"), nil},
		{"a promote ends the pin", dep(ledger.KindPromote, "1.2.0", "1.0.0", ok), pinned("1.0.0"),
			&ledger.Pin{Image: "web", Env: "prod", Version: "1.0.0", Reason: "promote of web@1.2.0", By: "ann"}},
		{"a promote with no pin changes nothing", dep(ledger.KindPromote, "1.2.0", "1.0.0", ok), nil, nil},
		{"a promote after an unpin changes nothing", dep(ledger.KindPromote, "1.2.0", "1.0.0", ok), released, nil},
		{"a failed promote keeps the pin", dep(ledger.KindPromote, "1.2.0", "1.0.0", failed), pinned("1.0.0"), nil},
		{"a failed rollback pins nothing", dep(ledger.KindRollback, "0.9.0", "1.0.0", failed), nil, nil},
		{"a started record pins nothing", dep(ledger.KindRollback, "0.9.0", "1.0.0", ledger.OutcomeStarted), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, PinChange(tt.dep, tt.inForce, "ann"))
		})
	}
}
