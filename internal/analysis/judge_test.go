package analysis

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestJudge(t *testing.T) {
	lo, hi := 10.0, 20.0
	for _, tc := range []struct {
		name     string
		q        Query
		value    float64
		verdict  Verdict
		reason   string
		measured int
	}{
		{"within both", Query{Name: "rps", Min: &lo, Max: &hi}, 15, Pass, "rps is 15 (max 20, min 10)", 2},
		{"below min", Query{Name: "rps", Min: &lo, Max: &hi}, 2.5, Fail, "rps is 2.5, below min 10", 2},
		{"above max", Query{Name: "rps", Max: &hi}, 1234.5678, Fail, "rps is 1235, above max 20", 1},
		{"at max", Query{Name: "rps", Max: &hi}, 20, Pass, "rps is 20 (max 20)", 1},
		{"no limit", Query{Name: "rps"}, 3, Pass, "rps is 3", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := judge(tc.q, tc.value)
			assert.Equal(t, tc.verdict, res.Verdict)
			assert.Equal(t, tc.reason, res.Reason)
			assert.Len(t, res.Measurements, tc.measured)
		})
	}
	floor := judge(Query{Name: "rps", Min: &lo}, 2).Measurements[0]
	assert.True(t, floor.Min)
	assert.False(t, floor.Passed)
	assert.Equal(t, "min 10", floor.Detail)
}
