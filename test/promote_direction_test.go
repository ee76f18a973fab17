package e2e

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPromoteFromMovesForwardOnly checks that `promote --from` refuses, as
// bad input and before it changes anything, a promotion into the same
// environment and one from a later environment back to an earlier one,
// which would move that environment backwards without a rollback.
func TestPromoteFromMovesForwardOnly(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")
	history := mustBake(t, p.Dir, "history", "svc", "--all", "-o", "json").stdout
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"promote", "svc", "--from", "dev", "--to", "dev"},
			`bake: --from "dev" and --to "dev" are the same environment`},
		{[]string{"promote", "svc", "--from", "prod", "--to", "dev"},
			`bake: --from "prod" comes after --to "dev" in bake.yaml: promote moves releases forward only; ` +
				"to deploy an earlier release run `bake promote svc@VERSION --to dev` or `bake rollback svc --env dev`"},
		{[]string{"promote", "svc", "--from", "qa", "--to", "dev", "--plan"}, `bake: --from "qa" comes after --to "dev"`},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			res := bake(t, p.Dir, tc.args...)
			require.Equal(t, 2, res.code, res.String())
			line := strings.TrimRight(res.stderr, "\n")
			assert.NotContains(t, line, "\n", "one line")
			assert.True(t, strings.HasPrefix(line, tc.want), "want %q, got %q", tc.want, line)
		})
	}
	assert.Equal(t, history, mustBake(t, p.Dir, "history", "svc", "--all", "-o", "json").stdout, "nothing recorded")
}
