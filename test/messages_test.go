package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// libraryWording is wording of Go's libraries that a person should never have
// to read in place of what went wrong and what to do.
var libraryWording = []string{"strconv.", "json: cannot unmarshal", "yaml: unmarshal", "rpc error", "invalid semantic version",
	"version string empty", "executing \"", "map has no entry", "context deadline exceeded", "mkdir "}

// TestBadValuesAreForPeople feeds bad values through environment variables
// and arguments and checks that each is one line saying what, where and
// what to do, exit 2, with none of Go's own wording, and nothing recorded.
func TestBadValuesAreForPeople(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	notDir := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(notDir, nil, 0o600))
	cases := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"BUILDKIT_HOST that is no address", []string{"BUILDKIT_HOST=bogus://"}, []string{"build", "svc"},
			`bake: BUILDKIT_HOST: "bogus://" is not a BuildKit address such as tcp://`},
		{"BAKE_STATE_DIR under a file", []string{"BAKE_STATE_DIR=" + notDir + "/state"}, []string{"promote", "svc@1.0.0", "--to", "dev"},
			"cannot create the front doors' state directory " + notDir + "/state/caddy (" + notDir + ": not a directory): set BAKE_STATE_DIR to a directory bake may write"},
		{"a version with two numbers", nil, []string{"show", "svc@1.2"},
			`bake: version "1.2" is not X.Y.Z semver: give three numbers such as 1.2.0`},
		{"a version with a leading zero", nil, []string{"release", "svc", "--version", "01.2.3"},
			`bake: version "01.2.3" is not X.Y.Z semver: a number may not start with 0 (1.2.3, not 01.2.3)`},
		{"a whole number flag given a word", nil, []string{"history", "svc", "--limit", "ten"},
			`bake: history: --limit "ten": want a whole number`},
		{"a boolean flag given a word", nil, []string{"status", "--check=maybe"},
			`bake: status: --check "maybe": want true or false`},
		{"a duration flag given a number", nil, []string{"sweep", "--older-than", "5"},
			`bake: sweep: --older-than "5": want a duration such as 90s`},
	}
	p.release(t, "1.0.0")
	history := mustBake(t, p.Dir, "history", "svc", "--all", "-o", "json").stdout
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := bakeEnv(t, p.Dir, tc.env, tc.args...)
			require.Equal(t, 2, res.code, res.String())
			line := strings.TrimRight(res.stderr, "\n")
			assert.NotContains(t, line, "\n", "one line")
			assert.Contains(t, line, tc.want)
			for _, internal := range append(libraryWording, goInternals...) {
				assert.NotContains(t, line, internal)
			}
			assert.Empty(t, res.stdout)
		})
	}
	assert.Equal(t, history, mustBake(t, p.Dir, "history", "svc", "--all", "-o", "json").stdout, "nothing recorded")
}
