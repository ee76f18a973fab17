package analysis

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/bakehq/bake/internal/ledger"
)

func TestCombine(t *testing.T) {
	pass := Result{Verdict: Pass, Reason: "fine", Measurements: []ledger.Measurement{{Name: "a", Passed: true}}}
	wait := Result{Verdict: Inconclusive, Reason: "no data"}
	fail := Result{Verdict: Fail, Reason: "too slow", Measurements: []ledger.Measurement{{Name: "b"}}}
	for _, tc := range []struct {
		name    string
		in      []Result
		verdict Verdict
		reason  string
		names   int
	}{
		{"nothing", nil, Inconclusive, "nothing was analysed", 0},
		{"one pass", []Result{pass}, Pass, "fine", 1},
		{"passes", []Result{pass, pass}, Pass, "fine; fine", 2},
		{"inconclusive wins over pass", []Result{pass, wait}, Inconclusive, "no data", 1},
		{"fail wins", []Result{wait, fail, pass}, Fail, "too slow", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Combine(tc.in...)
			assert.Equal(t, tc.verdict, got.Verdict)
			assert.Equal(t, tc.reason, got.Reason)
			assert.Len(t, got.Measurements, tc.names)
		})
	}
	assert.Equal(t, "fail", Fail.String())
	assert.Equal(t, "inconclusive", Inconclusive.String())
}
