package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/bakehq/bake"
	"github.com/bakehq/bake/internal/config"
)

// committedSchema compiles docs/reference/bake.schema.json, what editors use.
func committedSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("../../docs/reference/bake.schema.json")
	require.NoError(t, err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("bake.schema.json", doc))
	s, err := c.Compile("bake.schema.json")
	require.NoError(t, err)
	return s
}

// instance reads a bake.yaml as the JSON value an editor checks.
func instance(t *testing.T, text string) any {
	t.Helper()
	var v any
	require.NoError(t, yaml.Unmarshal([]byte(text), &v))
	data, err := json.Marshal(v)
	require.NoError(t, err)
	out, err := jsonschema.UnmarshalJSON(strings.NewReader(string(data)))
	require.NoError(t, err)
	return out
}

func TestSchemaAcceptsTheExampleProjects(t *testing.T) {
	s := committedSchema(t)
	initFile, err := bake.Defaults.ReadFile("bake.yaml")
	require.NoError(t, err)
	example, err := readExample("../config")
	require.NoError(t, err)
	files := map[string]string{"bake init's bake.yaml": string(initFile), "config's complete example": example}
	more, err := filepath.Glob("testdata/valid/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, more)
	for _, f := range more {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		files[f] = string(data)
	}
	for name, text := range files {
		t.Run(name, func(t *testing.T) {
			assert.NoError(t, s.Validate(instance(t, text)))
		})
	}
	// Sections left empty are sections with every default, for bake too.
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "templates", "svc"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "images", "svc"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "templates", "svc", "Dockerfile.tmpl"), []byte("FROM scratch\n"), 0o644))
	empty := strings.Replace(validProject, "    port: 8080\n", "    port: 8080\n    sandbox:\n", 1)
	empty = strings.Replace(empty, "  - name: dev\n", "  - name: dev\n    gates:\n    retention:\n", 1)
	assert.NoError(t, s.Validate(instance(t, empty)), empty)
	_, err = config.Parse(filepath.Join(dir, "bake.yaml"), []byte(empty))
	assert.NoError(t, err)

	// bake itself loads the file bake init writes.
	_, err = config.Load("../../bake.yaml")
	require.NoError(t, err)
}

// validProject is a bake.yaml that loads in the directory
// writeProjectDirs makes; the cases below each break it in one place.
const validProject = `project: shop
images:
  svc:
    template: templates/svc
    port: 8080
    checks:
      - name: healthz
        http: {path: /healthz, timeout: 5s}
environments:
  - name: dev
    targets:
      svc: {listen: "127.0.0.1:18999"}
`

func TestSchemaRejectsWhatBakeRejects(t *testing.T) {
	s := committedSchema(t)
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "templates", "svc"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "images", "svc"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "templates", "svc", "Dockerfile.tmpl"), []byte("FROM scratch\n"), 0o644))
	file := filepath.Join(dir, "bake.yaml")
	_, err := config.Parse(file, []byte(validProject))
	require.NoError(t, err)
	require.NoError(t, s.Validate(instance(t, validProject)))

	tests := []struct {
		name, replace, with string
		key                 string // the key path bake's own message names
	}{
		{"unknown top-level key", "project: shop\n", "project: shop\ncolour: red\n", "colour"},
		{"misspelt image key", "    port: 8080\n", "    port: 8080\n    tempalte: x\n", "images.svc.tempalte"},
		{"port written as a word", "port: 8080", "port: eighty", "images.svc.port"},
		{"replicas written as a word", `{listen:`, `{replicas: two, listen:`, "environments[0].targets.svc.replicas"},
		{"a duration without a unit", "timeout: 5s", "timeout: 5", "images.svc.checks[0].http.timeout"},
		{"two kinds in one check", "http: {path: /healthz, timeout: 5s}", "http: {path: /healthz}\n        tcp: {port: 8080}", "images.svc.checks[0]"},
		{"a docker target without listen", `{listen: "127.0.0.1:18999"}`, `{replicas: 2}`, "environments[0].targets.svc.listen"},
		{"an asg key on a docker target", `{listen:`, `{target_groups: [arn], listen:`, "environments[0].targets.svc.target_groups"},
		{"an unknown strategy", `{listen:`, `{strategy: canery, listen:`, "environments[0].targets.svc.strategy"},
		{"a canary without steps", `{listen:`, `{strategy: canary, listen:`, "environments[0].targets.svc.steps"},
		{"steps without a canary", `{listen:`, `{steps: [{weight: 10, pause: 1m}], listen:`, "environments[0].targets.svc.steps"},
		{"an analysis without a canary", `{listen:`, `{strategy: rolling, analysis: {}, listen:`, "environments[0].targets.svc.analysis"},
		{"a percentage as a bare number", `{listen:`, `{strategy: canary, steps: [{weight: 10, pause: 1m}], analysis: {confidence: 0.95}, listen:`, "environments[0].targets.svc.analysis.confidence"},
		{"a canary on an asg target", `{listen: "127.0.0.1:18999"}`, `{type: asg, target_groups: ["arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/w/1"], strategy: canary, steps: [{weight: 10, pause: 1m}]}`, "environments[0].targets.svc.strategy"},
		{"listen on a kubernetes target", `{listen:`, `{type: kubernetes, listen:`, "environments[0].targets.svc.listen"},
		{"a kubernetes key on a docker target", `{listen:`, `{namespace: shop, listen:`, "environments[0].targets.svc.namespace"},
		{"a pod patch that is not a mapping", `{listen: "127.0.0.1:18999"}`, `{type: kubernetes, pod: [x]}`, "environments[0].targets.svc.pod"},
		{"listen on an ecs target", `{listen:`, `{type: ecs, cluster: c, listener: l, target_group: t, listen:`, "environments[0].targets.svc.listen"},
		{"an ecs target without a cluster", `{listen: "127.0.0.1:18999"}`, `{type: ecs, listener: l, target_group: t}`, "environments[0].targets.svc.cluster"},
		{"an ecs key on a docker target", `{listen:`, `{subnets: [subnet-1], listen:`, "environments[0].targets.svc.subnets"},
		{"an ecs key on an asg target", `{listen: "127.0.0.1:18999"}`, `{type: asg, target_groups: ["arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/w/1"], cluster: c}`, "environments[0].targets.svc.cluster"},
		{"a lowercase launch type", `{listen: "127.0.0.1:18999"}`, `{type: ecs, cluster: c, listener: l, target_group: t, launch_type: fargate}`, "environments[0].targets.svc.launch_type"},
		{"an unknown builder", "project: shop\n", "project: shop\nbuilder: buildx\n", "builder"},
		{"a check's kind left empty", "http: {path: /healthz, timeout: 5s}", "http:", "images.svc.checks[0]"},
		{"environments as a mapping", "  - name: dev\n", "  dev:\n    name: dev\n", "environments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Contains(t, validProject, tt.replace)
			text := strings.Replace(validProject, tt.replace, tt.with, 1)
			assert.Error(t, s.Validate(instance(t, text)), "the schema accepts:\n%s", text)
			_, err := config.Parse(file, []byte(text))
			require.Error(t, err, "bake accepts:\n%s", text)
			assert.Contains(t, err.Error(), ": "+tt.key+":")
		})
	}
}
