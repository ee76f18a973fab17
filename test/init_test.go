package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInitProjectsOfTheirOwn checks that two projects made with `bake init`
// on one machine get names of their own, from their directories, and
// front-door ports that differ and are free, so neither ever sees the
// other's containers or routes.
func TestInitProjectsOfTheirOwn(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	listen := regexp.MustCompile(`listen: "(127\.0\.0\.1:\d+)"`)
	names := map[string]string{"shop-api": "shop-api", "Billing_Service": "billing-service", "ÜberApp": "uberapp"}
	ports := map[string]string{}
	for dir, want := range names {
		path := filepath.Join(root, dir)
		require.NoError(t, os.MkdirAll(path, 0o755))
		mustBake(t, path, "init")
		config, err := os.ReadFile(filepath.Join(path, "bake.yaml"))
		require.NoError(t, err)
		assert.Regexp(t, `(?m)^project: `+want+`$`, string(config))
		assert.NotRegexp(t, `(?m)^frontdoor:`, string(config), "frontdoor.admin is deprecated")
		found := listen.FindAllStringSubmatch(string(config), -1)
		require.Len(t, found, 3)
		for _, m := range found {
			assert.NotContains(t, ports, m[1], "%s and %s listen on the same port", dir, ports[m[1]])
			ports[m[1]] = dir
		}
		res := mustBake(t, path, "config", "validate")
		assert.Contains(t, res.stdout, "is valid")
	}
	// Given a directory, init names the project after it, and its next:
	// line goes there first.
	assert.Contains(t, mustBake(t, root, "init", "inventory").stdout, "next: cd inventory && bake release debian")
	config, err := os.ReadFile(filepath.Join(root, "inventory", "bake.yaml"))
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^project: inventory$`, string(config))

	// A directory name with nothing a project name can keep: init asks for
	// --name rather than inventing one, and writes nothing.
	dashes := filepath.Join(root, "---")
	require.NoError(t, os.MkdirAll(dashes, 0o755))
	res := bake(t, dashes, "init")
	assert.Equal(t, 2, res.code, res.String())
	assert.Regexp(t, "^bake: the directory name \"---\" has nothing a project name can keep .*`bake init --name NAME`\n$", res.stderr)
	assert.NoFileExists(t, filepath.Join(dashes, "bake.yaml"))
	mustBake(t, dashes, "init", "--name", "tools")
	config, err = os.ReadFile(filepath.Join(dashes, "bake.yaml"))
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^project: tools$`, string(config))
	mustBake(t, dashes, "config", "validate")
}
