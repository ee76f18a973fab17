package e2e

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNamesCheckedAtLoad checks that names registries and the engine would
// refuse are refused when bake.yaml is read, at their place in the file,
// before anything is built or recorded.
func TestNamesCheckedAtLoad(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	config, err := os.ReadFile(p.ConfigPath())
	require.NoError(t, err)
	lineOf := func(prefix string) string {
		for i, l := range strings.Split(string(config), "\n") {
			if strings.HasPrefix(l, prefix) {
				return strconv.Itoa(i + 1)
			}
		}
		t.Fatalf("bake.yaml has no line starting with %q", prefix)
		return ""
	}
	renameImage := func(name string) string {
		s := strings.Replace(string(config), "\n  svc:\n", "\n  "+name+":\n", 1)
		return strings.ReplaceAll(s, "      svc: {", "      "+name+": {")
	}
	cases := []struct {
		name, config string
		args         []string
		want         *regexp.Regexp
	}{
		{
			name: "image name of 240 characters", config: renameImage(strings.Repeat("a", 240)),
			want: regexp.MustCompile(`^bake: bake\.yaml:` + lineOf("  svc:") + `:3: images: image name "a{32}"\.\.\. is 240 characters long; it may be at most 60$`),
		},
		{
			name: "image name of 10,000 characters", config: renameImage(strings.Repeat("a", 10000)),
			want: regexp.MustCompile(`^bake: bake\.yaml:` + lineOf("  svc:") + `:3: a key of 10000 characters: YAML keys are at most 1024 characters`),
		},
		{
			name: "image name ending in a hyphen", config: renameImage("svc-"),
			want: regexp.MustCompile(`^bake: bake\.yaml:` + lineOf("  svc:") + `:3: images: image name "svc-" must be lowercase letters, digits and hyphens, starting and ending with a letter or digit$`),
		},
		{
			name: "project name of 41 characters", config: strings.Replace(string(config), "project: "+p.Name, "project: "+strings.Repeat("p", 41), 1),
			want: regexp.MustCompile(`^bake: bake\.yaml:1:10: project: "p{32}"\.\.\. is 41 characters long; it may be at most 40$`),
		},
		{
			name: "environment name of 41 characters", config: strings.Replace(string(config), "  - name: prod\n", "  - name: "+strings.Repeat("e", 41)+"\n", 1),
			want: regexp.MustCompile(`^bake: bake\.yaml:` + lineOf("  - name: prod") + `:11: environments\[2\]\.name: "e{32}"\.\.\. is 41 characters long`),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			writeFile(t, p.ConfigPath(), tc.config)
			defer writeFile(t, p.ConfigPath(), string(config))
			for _, args := range [][]string{{"config", "validate"}, {"release", "--all"}} {
				res := bake(t, p.Dir, args...)
				assert.Equal(t, 2, res.code, res.String())
				assert.Empty(t, res.stdout)
				line := strings.TrimRight(res.stderr, "\n")
				assert.NotContains(t, line, "\n", "one line")
				assert.Regexp(t, tc.want, line)
				assert.Less(t, len(line), 400, "the message does not repeat the whole name")
			}
			assert.NoFileExists(t, p.Dir+"/ledger.db", "nothing was recorded")
		})
	}
}
