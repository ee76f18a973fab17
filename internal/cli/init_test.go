package cli

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake"
	"github.com/bakehq/bake/internal/config"
)

func TestProjectName(t *testing.T) {
	tests := map[string]string{
		"shop-api":                       "shop-api",
		"Billing_Service":                "billing-service",
		".demo":                          "demo",
		"My  Project (v2)":               "my-project-v2",
		"--x--":                          "x",
		"ÜberApp":                        "uberapp",
		"Ærøskøbing Straße":              "aeroskobing-strasse",
		"café_crème":                     "cafe-creme",
		"ｗｅｂ２":                           "web2",
		strings.Repeat("a", 50):          strings.Repeat("a", 40),
		strings.Repeat("a", 39) + "-bcd": strings.Repeat("a", 39),
	}
	for dir, want := range tests {
		got := projectName(dir)
		assert.Equal(t, want, got, dir)
		assert.Empty(t, checkNameForTest(got), got)
	}
	// Nothing usable is left: no name is invented.
	for _, dir := range []string{"___", "---", "日本"} {
		assert.Empty(t, projectName(dir), dir)
		_, err := initName(filepath.Join(t.TempDir(), dir), "")
		require.ErrorIs(t, err, ErrUsage, dir)
		assert.ErrorContains(t, err, "bake init --name NAME")
	}
	name, err := initName(filepath.Join(t.TempDir(), "---"), "shop")
	require.NoError(t, err)
	assert.Equal(t, "shop", name)
	_, err = initName(t.TempDir(), "Shop")
	require.ErrorIs(t, err, ErrUsage, "--name must be a valid name")
}

// checkNameForTest loads a bake.yaml with the name, as bake would.
func checkNameForTest(name string) string {
	_, err := config.Parse("bake.yaml", []byte("project: "+name+"\nimages: {}\nenvironments: []\n"))
	if err != nil && strings.Contains(err.Error(), "project:") {
		return err.Error()
	}
	return ""
}

func TestOwnProject(t *testing.T) {
	data, err := bake.Defaults.ReadFile(config.FileName)
	require.NoError(t, err)
	name, err := initName(filepath.Join(t.TempDir(), "Shop API"), "")
	require.NoError(t, err)
	out, err := ownProject(data, name)
	require.NoError(t, err)
	s := string(out)
	assert.Contains(t, s, "\nproject: shop-api\n")
	assert.NotContains(t, s, "project: demo")
	assert.NotRegexp(t, `(?m)^frontdoor:`, s, "frontdoor.admin is deprecated: a new project does not name it")
	ports := regexp.MustCompile(`listen: "127\.0\.0\.1:(\d+)"`).FindAllStringSubmatch(s, -1)
	require.Len(t, ports, 3, "one front door per environment")
	seen := map[string]bool{}
	for _, m := range ports {
		p, _ := strconv.Atoi(m[1])
		assert.True(t, p >= firstFrontDoorPort && p <= lastFrontDoorPort, "port %d", p)
		assert.False(t, seen[m[1]], "port %s chosen twice", m[1])
		seen[m[1]] = true
	}
	// Only the project and the ports changed.
	norm := regexp.MustCompile(`127\.0\.0\.1:\d{5}"`)
	assert.Equal(t, norm.ReplaceAllString(strings.Replace(string(data), "project: demo", "project: shop-api", 1), `P"`),
		norm.ReplaceAllString(s, `P"`))
}

// TestInitNextLineChangesDirectory: a project written elsewhere is released
// from its directory, so the next: line starts by going there.
func TestInitNextLineChangesDirectory(t *testing.T) {
	assert.Equal(t, "", cdFirst("."))
	assert.Equal(t, "", cdFirst("./"))
	assert.Equal(t, "cd proj && ", cdFirst("proj"))
	assert.Equal(t, "cd /tmp/x && ", cdFirst("/tmp/x"))
}
