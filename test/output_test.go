package e2e

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInspectOutput checks what history, show and validate print: history
// newest first by when a release was recorded (not by version), show's
// environments as words, with those that keep the release warm, and
// validate's checks once each.
func TestInspectOutput(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{Retention: map[string]string{"dev": "{previous: warm}"}})
	p.release(t, "1.1.0")
	p.release(t, "1.0.1") // a hotfix of an older line, recorded after 1.1.0

	t.Run("history is newest first", func(t *testing.T) {
		var h historyDoc
		decodeOne(t, mustBake(t, p.Dir, "history", "svc", "-o", "json").stdout, &h)
		require.Len(t, h.Releases, 2)
		assert.Equal(t, []string{"1.0.1", "1.1.0"}, []string{h.Releases[0].Version, h.Releases[1].Version})

		text := mustBake(t, p.Dir, "history", "svc").stdout
		first, second := strings.Index(text, "svc@1.0.1"), strings.Index(text, "svc@1.1.0")
		require.True(t, first >= 0 && second >= 0, text)
		assert.Less(t, first, second, "svc@1.0.1 was recorded last, so it comes first:\n%s", text)
	})

	t.Run("show names where it runs and where it is kept warm", func(t *testing.T) {
		mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")
		mustBake(t, p.Dir, "promote", "svc@1.0.1", "--to", "dev") // 1.1.0 stays warm in dev
		mustBake(t, p.Dir, "promote", "svc@1.0.1", "--to", "qa")

		text := mustBake(t, p.Dir, "show", "svc@1.0.1").stdout
		assert.Regexp(t, regexp.MustCompile(`(?m)^runs in\s+dev, qa$`), text)
		assert.NotContains(t, text, "[")
		text = mustBake(t, p.Dir, "show", "svc@1.1.0").stdout
		assert.NotContains(t, text, "runs in")
		assert.Regexp(t, regexp.MustCompile(`(?m)^kept warm in\s+dev \(running out of traffic, for rollback\)$`), text)

		var doc struct {
			RunsIn []string `json:"runs_in"`
			WarmIn []string `json:"warm_in"`
		}
		decodeOne(t, mustBake(t, p.Dir, "show", "svc@1.1.0", "-o", "json").stdout, &doc)
		assert.Empty(t, doc.RunsIn)
		assert.Equal(t, []string{"dev"}, doc.WarmIn)
	})

	t.Run("validate prints each check once", func(t *testing.T) {
		res := mustBake(t, p.Dir, "validate", "svc@1.0.1")
		all := res.stdout + res.stderr
		for _, check := range []string{"healthz", "version-flag"} {
			lines := regexp.MustCompile(`(?m)^\s*(ok|FAIL)\s+`+check+`\b`).FindAllString(all, -1)
			assert.Len(t, lines, 1, "check %s is printed once:\n%s", check, res)
		}
		assert.Equal(t, "validated svc@1.0.1  2 of 2 checks passed\n", res.stdout)
	})
}
