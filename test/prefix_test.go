package e2e

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestErrorsNameTheCommandOnce checks that every complaint about a command
// line starts with one "bake: " and then the subcommand, never the program's
// name twice ("bake: bake promote: ..."), whichever part of bake noticed it:
// the flag parser, the argument count, or the command itself.
func TestErrorsNameTheCommandOnce(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "bake: unknown flag: --bogus (see `bake --help`)"},
		{[]string{"promote", "svc@1.0.0", "--to", "dev", "--bogus"}, "bake: promote: unknown flag: --bogus (see `bake promote --help`)"},
		{[]string{"promote", "--to", "dev"}, "bake: promote: expected IMAGE@VERSION or IMAGE, got 0 argument(s) (see `bake promote --help`)"},
		{[]string{"promote", "svc@1.0.0", "--from", "dev", "--to", "qa"}, `bake: promote: "svc@1.0.0" with --from:`},
		{[]string{"ui", "--port", "70000"}, "bake: ui: --port 70000: give a port from 0 to 65535"},
		{[]string{"ui", "--port", "abc"}, "bake: ui: --port \"abc\": want a whole number (see `bake ui --help`)"},
		{[]string{"lock", "dev"}, "bake: lock: required flag(s) \"reason\" not set (see `bake lock --help`)"},
		{[]string{"revoke", "svc@1.0.0", "--reason", "x"}, "bake: revoke: revoke svc@1.0.0 for good (no promote will take it again): confirmation needed"},
		{[]string{"rollback", "svc", "--env", "dev"}, `bake: rollback: roll svc in "dev" back to its previous good release: confirmation needed`},
	}
	p.release(t, "1.0.0")
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			res := bake(t, p.Dir, tc.args...)
			require.Equal(t, 2, res.code, res.String())
			line := strings.TrimRight(res.stderr, "\n")
			assert.NotContains(t, line, "\n", "one line")
			assert.True(t, strings.HasPrefix(line, tc.want), "want %q, got %q", tc.want, line)
			assert.NotContains(t, line, "bake: bake ")
			assert.Equal(t, 1, strings.Count(line, "bake: "), line)
		})
	}
}
