package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReleaseAllTableWhenAnImageIsBadInput: when one image of release --all
// fails on bad input (a template that uses a var bake.yaml does not set),
// the per-image table is still printed on stdout, with a line for every
// image (released, failed, not tried), while the error goes to stderr and
// the exit status is 2; with -o json the table is the release-all document.
func TestReleaseAllTableWhenAnImageIsBadInput(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	writeFile(t, filepath.Join(p.Dir, "templates", "bad", "Dockerfile.tmpl"),
		"FROM scratch\nCOPY svc /svc\nENV GREETING={{ .Vars.greeting }}\nENTRYPOINT [\"/svc\"]\n")
	config, err := os.ReadFile(p.ConfigPath())
	require.NoError(t, err)
	// bad fails on its template; child builds FROM bad, so it is never tried.
	extra := "images:\n" +
		"  bad:\n    template: templates/bad\n    context: images/svc\n    port: 8080\n" +
		"  child:\n    template: templates/svc\n    context: images/svc\n    base: bad\n    port: 8080\n"
	writeFile(t, p.ConfigPath(), strings.Replace(string(config), "images:\n", extra, 1))

	res := bake(t, p.Dir, "release", "--all")
	require.Equal(t, 2, res.code, res.String())
	lines := strings.Split(strings.TrimRight(res.stdout, "\n"), "\n")
	require.Len(t, lines, 3, "one line per image:\n%s", res.stdout)
	assert.Regexp(t, `^failed bad +template error: .*Dockerfile\.tmpl:3:\d+: \{\{ \.Vars\.greeting \}\}: image "bad" has no var "greeting": add it under images\.bad\.vars in bake\.yaml$`, lines[0])
	assert.Regexp(t, `^skipped child +not tried: "bad" failed first`, lines[1])
	assert.Regexp(t, `^released svc@0\.1\.0 +127\.0\.0\.1:5000/`+p.Name+`/svc@sha256:`, lines[2])
	assert.Contains(t, res.stderr, `bake: bad: template error: `)
	assert.NotContains(t, res.stdout, "bake: ", "the error goes to stderr only")

	res = bake(t, p.Dir, "release", "--all", "-o", "json")
	require.Equal(t, 2, res.code, res.String())
	var all []struct {
		Release struct {
			Image   string `json:"image"`
			Version string `json:"version"`
		} `json:"release"`
		Unchanged bool   `json:"unchanged"`
		Error     string `json:"error"`
		Skipped   string `json:"skipped"`
	}
	decodeList(t, res.stdout, "bake.release-all/v1", "releases", &all)
	require.Len(t, all, 3)
	assert.Equal(t, "bad", all[0].Release.Image)
	assert.Contains(t, all[0].Error, `image "bad" has no var "greeting"`)
	assert.Equal(t, "child", all[1].Release.Image)
	assert.Contains(t, all[1].Skipped, `"bad" failed first`)
	assert.Equal(t, "svc", all[2].Release.Image)
	assert.True(t, all[2].Unchanged, "svc's inputs are recorded as 0.1.0")
	assert.Contains(t, res.stderr, `bake: bad: template error: `)
}
