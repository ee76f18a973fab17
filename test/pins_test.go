package e2e

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pinnedIn returns the version status says env is pinned to, "" if none.
func pinnedIn(t *testing.T, p *project, env string) string {
	t.Helper()
	var doc []struct {
		Environments []struct {
			Env    string `json:"env"`
			Pinned *struct {
				Version string `json:"version"`
			} `json:"pinned"`
		} `json:"environments"`
	}
	decodeStatus(t, mustBake(t, p.Dir, "status", "svc", "-o", "json").stdout, &doc)
	require.Len(t, doc, 1)
	for _, es := range doc[0].Environments {
		if es.Env == env && es.Pinned != nil {
			return es.Pinned.Version
		}
	}
	return ""
}

// TestPinEndsWithTheInterruptedPromote: a promote of an explicit version
// ends a pin as part of its recorded outcome, whoever records that outcome:
// `bake recover`, or the next promote, finishing a promote killed after it
// switched traffic, leaves the environment unpinned, so `promote --from`
// moves it again.
func TestPinEndsWithTheInterruptedPromote(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0"} {
		p.release(t, v)
	}
	switched := killPoint{name: "switched", line: regexp.MustCompile(`^switched `), nth: 1}
	for _, v := range []string{"1.0.0", "1.1.0"} {
		mustBake(t, p.Dir, "promote", "svc@"+v, "--to", "dev")
		mustBake(t, p.Dir, "promote", "svc", "--from", "dev", "--to", "qa")
	}
	res := mustBake(t, p.Dir, "rollback", "svc", "--env", "qa", "--yes")
	assert.Contains(t, res.stdout, "qa is pinned to 1.0.0")
	require.Equal(t, "1.0.0", pinnedIn(t, p, "qa"))

	t.Run("recover finishes it and ends the pin", func(t *testing.T) {
		out := runAndKill(t, p.Dir, switched, "promote", "svc@1.1.0", "--to", "qa")
		t.Log(out)
		res := mustBake(t, p.Dir, "recover", "qa")
		assert.Contains(t, res.stdout, "finished the interrupted promote of svc@1.1.0 in qa")
		assertServes(t, p, "qa", "1.1.0")
		assert.Empty(t, pinnedIn(t, p, "qa"), "the pin ended with the promote's recorded outcome")
		mustBake(t, p.Dir, "promote", "svc@1.2.0", "--to", "dev")
		res = mustBake(t, p.Dir, "promote", "svc", "--from", "dev", "--to", "qa")
		assert.Contains(t, res.stdout, "promoted svc in qa to 1.2.0 (was 1.1.0)")
	})

	t.Run("the next promote finishes it and ends the pin", func(t *testing.T) {
		res := mustBake(t, p.Dir, "rollback", "svc", "--env", "qa", "--yes")
		assert.Contains(t, res.stdout, "qa is pinned to 1.1.0")
		out := runAndKill(t, p.Dir, switched, "promote", "svc@1.2.0", "--to", "qa")
		t.Log(out)
		res = mustBake(t, p.Dir, "promote", "svc", "--from", "dev", "--to", "qa")
		assert.Contains(t, res.stdout, "qa already runs svc@1.2.0")
		assert.Empty(t, pinnedIn(t, p, "qa"))
		assertServes(t, p, "qa", "1.2.0")
		assertStatus(t, p, "qa", "1.2.0")
	})
}
