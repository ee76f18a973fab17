package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestJSONOutput checks that -o json prints exactly one JSON document on
// stdout and progress as JSON lines on stderr.
func TestJSONOutput(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})

	// jsonRun runs args with -o json and decodes the document, which must
	// name schema, into v.
	jsonRun := func(t *testing.T, schema string, v any, args ...string) {
		t.Helper()
		res := mustBake(t, p.Dir, append(args, "-o", "json")...)
		decodeOne(t, res.stdout, v)
		var named struct {
			Schema string `json:"schema"`
		}
		require.NoError(t, json.Unmarshal([]byte(res.stdout), &named))
		assert.Equal(t, schema, named.Schema, "the schema of bake %s", strings.Join(args, " "))
		// Progress on stderr is JSON lines, one event each.
		for _, l := range strings.Split(strings.TrimSpace(res.stderr), "\n") {
			if l == "" {
				continue
			}
			var ev struct {
				Schema string `json:"schema"`
				Event  string `json:"event"`
				Text   string `json:"text"`
			}
			require.NoError(t, json.Unmarshal([]byte(l), &ev), "a progress line that is not a JSON event: %q", l)
			assert.NotEmpty(t, ev.Event, l)
			assert.Equal(t, "bake.event/v1", ev.Schema, l)
		}
	}

	t.Run("version", func(t *testing.T) {
		var v struct {
			Version string `json:"version"`
			Go      string `json:"go"`
			Builder string `json:"builder"`
		}
		jsonRun(t, "bake.version/v1", &v, "version")
		assert.NotEmpty(t, v.Version)
		assert.True(t, strings.HasPrefix(v.Go, "go"), "go: %q", v.Go)
	})

	t.Run("release", func(t *testing.T) {
		var r struct {
			Release struct {
				Image     string `json:"image"`
				Version   string `json:"version"`
				Digest    string `json:"digest"`
				Reference string `json:"reference"`
				Status    string `json:"status"`
				Checks    []struct {
					Name   string `json:"name"`
					Passed bool   `json:"passed"`
				} `json:"checks"`
			} `json:"release"`
		}
		jsonRun(t, "bake.release/v1", &r, "release", "svc", "--version", "1.0.0")
		assert.Equal(t, "svc", r.Release.Image)
		assert.Equal(t, "1.0.0", r.Release.Version)
		assert.Equal(t, "validated", r.Release.Status)
		assert.True(t, strings.HasPrefix(r.Release.Digest, "sha256:"), "digest %q", r.Release.Digest)
		assert.Equal(t, "127.0.0.1:5000/"+p.Name+"/svc@"+r.Release.Digest, r.Release.Reference)
		require.Len(t, r.Release.Checks, 2)
		for _, c := range r.Release.Checks {
			assert.True(t, c.Passed, "check %s", c.Name)
		}
	})

	t.Run("promote", func(t *testing.T) {
		var r struct {
			Deployment deployment `json:"deployment"`
			Unchanged  bool       `json:"unchanged"`
			Replicas   []replica  `json:"replicas"`
		}
		jsonRun(t, "bake.deployment/v1", &r, "promote", "svc@1.0.0", "--to", "dev")
		assert.Equal(t, "dev", r.Deployment.Env)
		assert.Equal(t, "1.0.0", r.Deployment.Version)
		assert.Equal(t, "succeeded", r.Deployment.Outcome)
		assert.NotZero(t, r.Deployment.ID)
		assert.False(t, r.Unchanged)
		assert.Len(t, r.Replicas, 2)

		r.Unchanged = false
		jsonRun(t, "bake.deployment/v1", &r, "promote", "svc@1.0.0", "--to", "dev")
		assert.True(t, r.Unchanged, "promoting what runs changes nothing")
	})

	t.Run("status", func(t *testing.T) {
		var st struct {
			Images statusDoc `json:"images"`
		}
		jsonRun(t, "bake.status/v1", &st, "status")
		doc := st.Images
		require.Len(t, doc, 1)
		assert.Equal(t, "svc", doc[0].Image)
		require.Len(t, doc[0].Environments, 3)
		assert.Equal(t, "1.0.0", doc[0].Environments[0].Version)
		assert.Empty(t, doc[0].Environments[1].Version, "qa runs nothing")

		// Lists are lists, also for an environment that runs nothing.
		var raw struct {
			Images []struct {
				Environments []map[string]json.RawMessage `json:"environments"`
			} `json:"images"`
		}
		jsonRun(t, "bake.status/v1", &raw, "status")
		for _, env := range raw.Images[0].Environments {
			for _, key := range []string{"replicas", "upstreams"} {
				v := strings.TrimSpace(string(env[key]))
				assert.True(t, strings.HasPrefix(v, "["), "environment %s: %q is %s, want a JSON array", env["env"], key, v)
			}
		}
	})

	t.Run("history", func(t *testing.T) {
		var h historyDoc
		jsonRun(t, "bake.history/v1", &h, "history", "svc")
		require.Len(t, h.Releases, 1)
		assert.Equal(t, "1.0.0", h.Releases[0].Version)
		require.Len(t, h.Deployments, 1)
		assert.Equal(t, "dev", h.Deployments[0].Env)

		var qa historyDoc
		jsonRun(t, "bake.history/v1", &qa, "history", "svc", "--env", "qa")
		assert.NotNil(t, qa.Deployments, "no deployments is an empty list")
		assert.Empty(t, qa.Deployments)
	})

	t.Run("rollback", func(t *testing.T) {
		var r struct {
			Unchanged bool `json:"unchanged"`
		}
		jsonRun(t, "bake.deployment/v1", &r, "rollback", "svc", "--env", "dev", "--to", "1.0.0")
		assert.True(t, r.Unchanged)
	})
}
