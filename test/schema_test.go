package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// TestProjectFilesMatchTheSchema checks every shape of bake.yaml these
// tests write (configTemplate, with the options they use) against the JSON
// Schema editors use, docs/reference/bake.schema.json: a file bake runs
// must not be flagged in an editor.
func TestProjectFilesMatchTheSchema(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join(repoRoot, "docs", "reference", "bake.schema.json"))
	require.NoError(t, err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("bake.schema.json", doc))
	schema, err := c.Compile("bake.schema.json")
	require.NoError(t, err)

	variants := map[string]project{
		"plain":    {},
		"rolling":  {Target: "strategy: rolling, min_healthy: 1"},
		"canary":   {Target: "strategy: canary, steps: [{weight: 10, pause: 2s}, {weight: 50, pause: 2s}], analysis: {min_requests: 0, max_latency_increase: 50%}"},
		"watched":  {Target: "watch: 40s", Webhook: "http://127.0.0.1:9/events"},
		"retained": {},
	}
	for name, p := range variants {
		t.Run(name, func(t *testing.T) {
			p.Name, p.Registry, p.HealthyUntil, p.HealthyAfter = "e2e-schema", "127.0.0.1:5000", "0", "0"
			for i, env := range envNames {
				e := projectEnv{Name: env, Listen: fmt.Sprintf("127.0.0.1:%d", 18101+i)}
				if name == "retained" {
					e.Retention = []string{"{previous: warm}", "{previous: removed}", "{previous: stopped, releases: 2}"}[i%3]
				}
				p.Envs = append(p.Envs, e)
			}
			var b strings.Builder
			require.NoError(t, configTemplate.Execute(&b, &p))
			var v any
			require.NoError(t, yaml.Unmarshal([]byte(b.String()), &v))
			data, err := json.Marshal(v)
			require.NoError(t, err)
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(string(data)))
			require.NoError(t, err)
			require.NoError(t, schema.Validate(inst), b.String())
		})
	}
}
