package gc

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
)

// The decisions of retention.deprecate_after and retention.protect, from
// the record and what EC2 says of each AMI. moto cannot change either
// (EnableImageDeprecation and the deregistration protection calls answer
// 500), so this is where what bake asks of EC2 is proven.
func TestDecideLifecycle(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 30, 0, time.UTC)
	withAMI := func(version, id string) ledger.Release {
		r := rel("svc", version)
		r.AMIs = map[string]string{"us-east-1": id + "e", "eu-west-1": id + "u"}
		return r
	}
	// 1.3.0 runs in dev; 1.2.0 in qa and prod; 1.1.0 ran in prod before
	// it and now runs nowhere; 1.0.0 was never deployed; 0.9.0 shares its
	// AMIs with 1.2.0 (unchanged inputs).
	rels := []ledger.Release{withAMI("1.3.0", "ami-3"), withAMI("1.2.0", "ami-2"), withAMI("1.1.0", "ami-1"),
		withAMI("1.0.0", "ami-0"), withAMI("0.9.0", "ami-2")}
	h := svcHistory(rels,
		dep("dev", "1.3.0", "1.2.0", ledger.KindPromote, ok),
		dep("prod", "1.2.0", "1.1.0", ledger.KindPromote, ok),
		dep("qa", "1.2.0", "1.1.0", ledger.KindPromote, ok),
		dep("prod", "1.1.0", "", ledger.KindPromote, ok),
		dep("dev", "0.9.0", "", ledger.KindPromote, ok))
	states := func(set map[string]AMIState) map[AMIRef]AMIState {
		out := map[AMIRef]AMIState{}
		for _, r := range rels {
			for _, a := range amiRefs(r.AMIs) {
				out[a] = set[a.ID]
			}
		}
		return out
	}
	month := 720 * time.Hour
	tests := []struct {
		name    string
		policy  config.AMIRetention
		states  map[string]AMIState
		removed map[string]bool
		want    []string
	}{
		{"nothing asked, nothing changed", config.AMIRetention{AMIs: true}, nil, nil, nil},
		{"a release that left every environment is deprecated, in every region; one never deployed is not",
			config.AMIRetention{DeprecateAfter: month}, nil, nil,
			[]string{"deprecate eu-west-1 ami-1u at 2026-07-01 12:00 UTC", "deprecate us-east-1 ami-1e at 2026-07-01 12:00 UTC"}},
		{"an AMI already deprecated is left alone", config.AMIRetention{DeprecateAfter: month},
			map[string]AMIState{"ami-1e": {Deprecated: true}, "ami-1u": {Deprecated: true}}, nil, nil},
		{"a release that runs again is no longer deprecated", config.AMIRetention{DeprecateAfter: month},
			map[string]AMIState{"ami-1e": {Deprecated: true}, "ami-1u": {Deprecated: true}, "ami-3e": {Deprecated: true}},
			nil, []string{"undeprecate us-east-1 ami-3e"}},
		{"the release prod runs is protected, with the release sharing its AMIs", config.AMIRetention{Protect: true}, nil, nil,
			[]string{"protect eu-west-1 ami-2u", "protect us-east-1 ami-2e"}},
		{"protection is turned off once prod runs another release", config.AMIRetention{Protect: true},
			map[string]AMIState{"ami-2e": {Protected: true}, "ami-2u": {Protected: true}, "ami-1e": {Protected: true}, "ami-3u": {Protected: true}},
			nil, []string{"unprotect eu-west-1 ami-3u", "unprotect us-east-1 ami-1e"}},
		{"a release whose AMIs gc removed is left out", config.AMIRetention{DeprecateAfter: month},
			nil, map[string]bool{"svc@1.1.0": true}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, c := range decideLifecycle(tt.policy, envs(3), []History{h}, tt.removed, states(tt.states), now) {
				got = append(got, c.String())
			}
			assert.Equal(t, tt.want, got)
		})
	}

	st := states(nil)
	delete(st, AMIRef{Region: "us-east-1", ID: "ami-1e"})
	changes := decideLifecycle(config.AMIRetention{DeprecateAfter: month}, envs(3), []History{h}, nil, st, now)
	if assert.Len(t, changes, 1, "an AMI EC2 no longer has is left out") {
		assert.Equal(t, []string{"svc@1.1.0"}, changes[0].Releases)
		assert.Equal(t, "svc@1.1.0 runs in no environment any more", changes[0].Why)
	}
	shared := decideLifecycle(config.AMIRetention{Protect: true}, envs(3), []History{h}, nil, states(nil), now)
	assert.Equal(t, []string{"svc@1.2.0", "svc@0.9.0"}, shared[0].Releases)
	assert.Equal(t, "svc@1.2.0, svc@0.9.0 runs in the last environment", shared[0].Why)
}
