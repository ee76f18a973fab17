package kubernetes

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCanaryPods(t *testing.T) {
	for _, tc := range []struct {
		weight   int
		baseline int32
		want     int32
		share    int
	}{
		{10, 2, 1, 33},  // the least a canary has: 1 of 3
		{50, 2, 2, 50},  // as many as the baseline
		{10, 9, 1, 10},  // exact
		{10, 10, 1, 9},  // 1 of 11 (9%) is nearer 10% than 2 of 12 (17%)
		{25, 3, 1, 25},  // exact
		{30, 2, 1, 33},  // 1 of 3 (33%) beats 2 of 4 (50%)
		{40, 2, 1, 33},  // 33% and 50% are 7 and 10 points away
		{60, 2, 3, 60},  // exact
		{75, 2, 6, 75},  // exact
		{90, 2, 18, 90}, // exact, at the bound
		{95, 2, 18, 90}, // bounded: 9 per baseline pod
		{99, 10, 90, 90},
		{1, 1, 1, 50},    // a canary has a pod however small its step
		{50, 1, 1, 50},   // exact
		{20, 4, 1, 20},   // exact
		{35, 4, 2, 33},   // 2 of 6 (33%) beats 3 of 7 (43%)
		{0, 2, 0, 0},     // no traffic, no pods
		{10, 0, 0, 0},    // nothing to share with
		{100, 2, 18, 90}, // 100% is no share: the caller switches instead
	} {
		t.Run(fmt.Sprintf("%d%% beside %d", tc.weight, tc.baseline), func(t *testing.T) {
			got := canaryPods(tc.weight, tc.baseline)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.share, podShare(got, tc.baseline))
		})
	}
}

// No count between 1 and the bound is nearer to the weight than the one
// chosen, for every weight and baseline up to 12 pods.
func TestCanaryPodsIsNearest(t *testing.T) {
	for b := int32(1); b <= 12; b++ {
		for w := 1; w < 100; w++ {
			got := canaryPods(w, b)
			for c := int32(1); c <= maxCanaryPerBaseline*b; c++ {
				if nearer(int64(c), int64(got), int64(b), int64(w)) {
					t.Fatalf("%d%% beside %d: %d pods is nearer than %d", w, b, c, got)
				}
			}
		}
	}
}
