package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bakeOnTerminal runs bake with a terminal for stdin, stdout and stderr (a
// pseudo-terminal, through util-linux's script), typing input; it returns
// what the terminal showed and the exit status.
func bakeOnTerminal(t *testing.T, dir, input string, args ...string) (string, int) {
	t.Helper()
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("script (util-linux) is not installed: no pseudo-terminal to answer on")
	}
	quoted := make([]string, 0, len(args)+1)
	for _, a := range append([]string{bakeBin}, args...) {
		quoted = append(quoted, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
	}
	ctx, cancel := context.WithTimeout(context.Background(), bakeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "script", "-qec", strings.Join(quoted, " "), os.DevNull)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "BAKE_USER=e2e")
	cmd.Stdin = strings.NewReader(input)
	out, err := cmd.CombinedOutput()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else {
		require.NoError(t, err)
	}
	t.Logf("bake %s on a terminal, typing %q: exit %d", strings.Join(args, " "), input, code)
	return string(out), code
}

// TestConfirmation checks that revoke, and promote and rollback
// of a protected environment ask on a terminal, go ahead only on yes, and
// elsewhere refuse (exit 2) unless --yes is given.
func TestConfirmation(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	config, err := os.ReadFile(p.ConfigPath())
	require.NoError(t, err)
	require.Contains(t, string(config), "  - name: prod\n")
	writeFile(t, p.ConfigPath(), strings.Replace(string(config), "  - name: prod\n", "  - name: prod\n    protected: true\n", 1))
	p.release(t, "1.0.0")
	p.release(t, "1.1.0")
	for _, env := range envNames[:2] {
		mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", env)
		mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", env)
	}

	t.Run("without a terminal, refused without --yes", func(t *testing.T) {
		before := history(t, p, "")
		for _, args := range [][]string{
			{"revoke", "svc@1.0.0", "--reason", "test"},
			{"promote", "svc@1.0.0", "--to", "prod"},
			{"promote", "svc", "--from", "qa", "--to", "prod"},
			{"rollback", "svc", "--env", "prod"},
		} {
			res := bake(t, p.Dir, args...)
			assert.Equal(t, 2, res.code, res.String())
			line := strings.TrimRight(res.stderr, "\n")
			assert.NotContains(t, line, "\n", "one line")
			assert.Contains(t, line, "confirmation needed and stdin is not a terminal: pass --yes to go ahead")
		}
		assert.Equal(t, before, history(t, p, ""), "nothing was recorded")
		assert.NotContains(t, mustBake(t, p.Dir, "status", "svc").stderr, "revoked")

		// What changes nothing never asks; what is not protected never asks.
		// (gc with something to collect asks: TestGC.)
		mustBake(t, p.Dir, "gc", "--dry-run")
		assert.Contains(t, mustBake(t, p.Dir, "gc").stdout, "nothing to collect")
		mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "prod", "--plan")
		mustBake(t, p.Dir, "rollback", "svc", "--env", "qa", "--plan")
		mustBake(t, p.Dir, "rollback", "svc@1.0.0", "--env", "qa")
		mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "qa")
	})

	t.Run("on a terminal, only yes goes ahead", func(t *testing.T) {
		out, code := bakeOnTerminal(t, p.Dir, "n\n", "promote", "svc@1.0.0", "--to", "prod")
		assert.Equal(t, 1, code, out)
		// The question names the exact release and what it replaces.
		assert.Regexp(t, `bake promote: deploy svc@1\.0\.0 \(sha256:[0-9a-f]{12}\) to "prod", where nothing runs yet \("prod" is protected\)\? \[y/N\]`, out)
		assert.Contains(t, out, "not confirmed; nothing was changed")
		assert.Empty(t, history(t, p, "prod").Deployments)

		out, code = bakeOnTerminal(t, p.Dir, "y\n", "promote", "svc@1.0.0", "--to", "prod")
		assert.Equal(t, 0, code, out)
		out, code = bakeOnTerminal(t, p.Dir, "n\n", "promote", "svc", "--from", "qa", "--to", "prod")
		assert.Equal(t, 1, code, out)
		var rel struct {
			Digest string `json:"digest"`
		}
		require.NoError(t, json.Unmarshal([]byte(mustBake(t, p.Dir, "show", "svc@1.1.0", "-o", "json").stdout), &rel))
		require.True(t, strings.HasPrefix(rel.Digest, "sha256:"), rel.Digest)
		assert.Contains(t, out, `bake promote: deploy svc@1.1.0 (`+rel.Digest[:19]+`, from "qa") to "prod", replacing 1.0.0 ("prod" is protected)? [y/N]`)
		out, code = bakeOnTerminal(t, p.Dir, "yes\n", "promote", "svc@1.1.0", "--to", "prod")
		assert.Equal(t, 0, code, out)

		out, code = bakeOnTerminal(t, p.Dir, "\n", "rollback", "svc", "--env", "prod")
		assert.Equal(t, 1, code, out)
		assert.Contains(t, out, `bake rollback: roll svc in "prod" back from 1.1.0 to 1.0.0 ("prod" is protected)? [y/N]`)
		out, code = bakeOnTerminal(t, p.Dir, "y\n", "rollback", "svc", "--env", "prod")
		assert.Equal(t, 0, code, out)
		h := history(t, p, "prod")
		require.NotEmpty(t, h.Deployments)
		assert.Equal(t, "1.0.0", h.Deployments[0].Version, "the rollback ran")

		out, code = bakeOnTerminal(t, p.Dir, "n\n", "revoke", "svc@1.1.0", "--reason", "test")
		assert.Equal(t, 1, code, out)
		assert.Contains(t, out, "bake revoke: revoke svc@1.1.0 for good")
	})

	t.Run("--yes answers", func(t *testing.T) {
		mustBake(t, p.Dir, "revoke", "svc@1.1.0", "--reason", "test", "--yes")
		mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "prod", "--yes")
		mustBake(t, p.Dir, "gc", "--yes")
	})
}
