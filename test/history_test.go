package e2e

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHistoryPages: `bake history` lists a page of deployments, newest
// first, and says how to list the next; --before lists it, --all lists
// every one, and together the pages are the whole history.
func TestHistoryPages(t *testing.T) {
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")
	p.release(t, "1.1.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
	mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")
	mustBake(t, p.Dir, "rollback", "svc", "--env", "dev", "--yes")
	mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")

	all := history(t, p, "")
	require.Len(t, all.Deployments, 5, "one line a deployment: started records with an outcome are left out")
	assert.Zero(t, all.NextBefore)

	var paged []deployment
	args := []string{"history", "svc", "--limit", "2", "-o", "json"}
	for range 3 {
		var h historyDoc
		decodeOne(t, mustBake(t, p.Dir, args...).stdout, &h)
		assert.LessOrEqual(t, len(h.Deployments), 2)
		paged = append(paged, h.Deployments...)
		if h.NextBefore == 0 {
			break
		}
		assert.Equal(t, h.Deployments[len(h.Deployments)-1].ID, h.NextBefore)
		args = []string{"history", "svc", "--limit", "2", "--before", fmt.Sprint(h.NextBefore), "-o", "json"}
	}
	assert.Equal(t, all.Deployments, paged, "the pages, one after another, are the whole history")

	res := mustBake(t, p.Dir, "history", "svc", "--env", "dev", "--limit", "1")
	assert.Len(t, regexp.MustCompile(`(?m)^\d+\s+\S+ \S+\s+dev\s`).FindAllString(res.stdout, -1), 1, res.stdout)
	assert.Contains(t, res.stdout, fmt.Sprintf("older deployments: run `bake history svc --before %d --env dev`", all.Deployments[0].ID))

	for _, bad := range [][]string{{"--limit", "0"}, {"--before", "-1"}, {"--all", "--before", "3"}} {
		res := bake(t, p.Dir, append([]string{"history", "svc"}, bad...)...)
		assert.Equal(t, 2, res.code, "%v: %s", bad, res)
	}
}
