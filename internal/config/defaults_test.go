package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDefaultTagsAreWhatTheLoaderApplies checks the default tags, which the
// generated bake.yaml reference and JSON Schema show, against the values a
// bake.yaml that leaves those keys out loads with.
func TestDefaultTagsAreWhatTheLoaderApplies(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "templates", "svc"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "images", "svc"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "templates", "svc", "Dockerfile.tmpl"), []byte("FROM scratch\n"), 0o644))
	p, err := Parse(filepath.Join(dir, "bake.yaml"), []byte(`project: shop
images:
  svc:
    template: templates/svc
    port: 8080
    sandbox: {}
    checks:
      - {name: http, http: {}}
      - {name: tcp, tcp: {}}
      - {name: command, command: {argv: [/svc, -version]}}
environments:
  - name: dev
    targets:
      svc: {listen: "127.0.0.1:18999"}
`))
	require.NoError(t, err)

	checked := map[string]bool{}
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Slice, reflect.Map:
			if v.Kind() == reflect.Slice {
				for i := range v.Len() {
					walk(v.Index(i))
				}
			} else {
				for _, k := range v.MapKeys() {
					walk(v.MapIndex(k))
				}
			}
		case reflect.Struct:
			for i := range v.NumField() {
				f := v.Type().Field(i)
				if def, ok := f.Tag.Lookup("default"); ok {
					name := v.Type().Name() + "." + f.Name
					checked[name] = true
					assert.True(t, defaultHolds(dir, def, v.Field(i)), "%s: tagged default %q, loaded as %v", name, def, v.Field(i).Interface())
				}
				if f.IsExported() {
					walk(v.Field(i))
				}
			}
		}
	}
	walk(reflect.ValueOf(p))
	// A canary's analysis, left out, is there with its defaults.
	canary, err := Parse(filepath.Join(dir, "bake.yaml"), []byte(`project: shop
images:
  svc:
    template: templates/svc
    port: 8080
    checks: [{name: http, http: {}}]
environments:
  - name: dev
    targets:
      svc: {listen: "127.0.0.1:18999", strategy: canary, steps: [{weight: 10, pause: 1m}]}
`))
	require.NoError(t, err)
	walk(reflect.ValueOf(canary.Environments[0].Targets["svc"].Analysis))
	for _, name := range []string{"Project.Registry", "Project.Ledger", "Project.Builder", "FrontDoor.Admin", "Sandbox.ReadOnly",
		"Sandbox.InstanceType", "HTTPCheck.Path", "HTTPCheck.Status", "HTTPCheck.Timeout", "TCPCheck.Timeout", "CommandCheck.ExitCode",
		"CommandCheck.Timeout", "Environment.Protected", "Retention.Previous", "Retention.Releases", "Target.Type", "Target.Replicas",
		"Target.HealthTimeout", "Target.Strategy", "Analysis.Interval", "Analysis.MinRequests", "Analysis.MaxErrorRateIncrease",
		"Analysis.MaxLatencyIncrease", "Analysis.Confidence"} {
		assert.True(t, checked[name], "%s was not checked", name)
	}
}

// defaultHolds reports whether a loaded value is what the tag def says.
func defaultHolds(dir, def string, v reflect.Value) bool {
	switch x := v.Interface().(type) {
	case time.Duration:
		d, err := time.ParseDuration(def)
		return err == nil && x == d
	case bool:
		b, err := strconv.ParseBool(def)
		return err == nil && x == b
	case int:
		n, err := strconv.Atoi(def)
		return err == nil && x == n
	case float64: // a percentage
		return Percent(x) == def
	case string:
		// A path is held resolved against bake.yaml's directory.
		return x == def || x == filepath.Join(dir, def)
	case Registry:
		return x.Address == def && x.CA == ""
	case Builder:
		return x.Legacy == (def == BuilderLegacy) && x.Address == ""
	}
	return false
}
