package e2e

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStatusLiveUnavailable checks that status says so when the engine or
// the front door does not answer, instead of showing nothing as if nothing
// ran, and that --check then exits non-zero.
func TestStatusLiveUnavailable(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
	res := mustBake(t, p.Dir, "status", "svc", "--check")
	assert.NotContains(t, res.stdout, "live state unavailable")

	t.Run("engine unreachable", func(t *testing.T) {
		env := []string{"DOCKER_HOST=unix:///nonexistent.sock"}
		res := bakeEnv(t, p.Dir, env, "status", "svc")
		require.Equal(t, 0, res.code, res.String())
		assert.Contains(t, res.stdout, "live state unavailable: svc in dev: docker engine not reachable at unix:///nonexistent.sock")
		assert.NotContains(t, res.stdout, "drift:")

		// --check prints the same record, then fails: 2, as for any
		// command that finds no engine (4 stays for drift alone).
		res = bakeEnv(t, p.Dir, env, "status", "svc", "--check")
		assert.Equal(t, 2, res.code, res.String())
		assert.Contains(t, res.stdout, "live state unavailable: svc in dev: docker engine not reachable at unix:///nonexistent.sock")
		assert.Regexp(t, `dev\s+1\.0\.0`, res.stdout, "the record is shown")
		assert.Contains(t, res.stderr, "bake: checking for drift: live state unavailable")
		assert.Contains(t, res.stderr, "/nonexistent.sock")
		assert.Contains(t, res.stderr, "hint: start Docker")
		assert.NotContains(t, res.stderr, "scripts/", "the hint is for a user with the binary alone")
	})

	t.Run("front door down", func(t *testing.T) {
		route := fmt.Sprintf("bake-%s-dev-svc", p.Name)
		require.NoError(t, frontDoors().Stop(context.Background(), route))
		// The next deploy starts it again; here the test does.
		defer func() { require.NoError(t, frontDoors().Ensure(context.Background())) }()

		res := bake(t, p.Dir, "status", "svc")
		require.Equal(t, 0, res.code, res.String())
		assert.Regexp(t, `live state unavailable: svc in dev: .*`+route+`.*not running`, res.stdout)
		assert.NotContains(t, res.stdout, "drift:", "an unread front door is not drift")

		res = bake(t, p.Dir, "status", "svc", "--check")
		assert.Equal(t, 1, res.code, res.String())
		assert.Contains(t, res.stderr, "bake: checking for drift: live state unavailable")

		var doc []struct {
			Environments []struct {
				Env             string `json:"env"`
				LiveUnavailable string `json:"live_unavailable"`
			} `json:"environments"`
		}
		decodeStatus(t, bake(t, p.Dir, "status", "svc", "-o", "json").stdout, &doc)
		require.Len(t, doc, 1)
		for _, es := range doc[0].Environments {
			if es.Env == "dev" {
				assert.Contains(t, es.LiveUnavailable, "not running", es.Env)
			} else {
				// The other environments have no front door yet: nothing routed is what runs.
				assert.Empty(t, es.LiveUnavailable, es.Env)
			}
		}
	})
}
