package status

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/bakehq/bake/internal/ledger"
)

func TestNewestFirst(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// As the ledger lists them: newest version first.
	rels := []ledger.Release{
		{Version: "2.0.0", CreatedAt: t0.Add(time.Hour)},
		{Version: "1.1.0", CreatedAt: t0},
		{Version: "1.0.1", CreatedAt: t0.Add(2 * time.Hour)}, // a hotfix, recorded last
		{Version: "1.0.0", CreatedAt: t0},                    // recorded at the same time as 1.1.0
	}
	NewestFirst(rels)
	var got []string
	for _, r := range rels {
		got = append(got, r.Version)
	}
	assert.Equal(t, []string{"1.0.1", "2.0.0", "1.1.0", "1.0.0"}, got)
}
