package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBadInput checks that every mistake in how bake is called exits 2 with
// one line on stderr and leaves the ledger as it was.
func TestBadInput(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")
	config, err := os.ReadFile(p.ConfigPath())
	require.NoError(t, err)
	tmplPath := filepath.Join(p.Dir, "templates", "svc", "Dockerfile.tmpl")

	// replaceConfig writes bake.yaml for one case and returns what puts it back.
	replaceConfig := func(t *testing.T, content string) func() {
		writeFile(t, p.ConfigPath(), content)
		return func() { writeFile(t, p.ConfigPath(), string(config)) }
	}
	// lineOf is the 1-based line of bake.yaml that starts with prefix.
	lineOf := func(prefix string) int {
		for i, l := range strings.Split(string(config), "\n") {
			if strings.HasPrefix(l, prefix) {
				return i + 1
			}
		}
		t.Fatalf("bake.yaml has no line starting with %q", prefix)
		return 0
	}

	// saidOnce: the line says what is wrong once, without a stuttered
	// prefix or the ledger's words.
	saidOnce := func(t *testing.T, line string) {
		assert.NotContains(t, line, "not found", line)
		assert.NotContains(t, line, "reading release", line)
		assert.Equal(t, 1, strings.Count(line, "svc@7.7.7"), line)
	}
	cases := []struct {
		name   string
		args   []string
		env    []string
		setup  func(t *testing.T) (restore func())
		stderr []string // substrings of the error line
		check  func(t *testing.T, line string)
	}{
		{name: "unknown image", args: []string{"release", "nope"}, stderr: []string{`"nope"`}},
		{name: "unknown environment", args: []string{"promote", "svc@1.0.0", "--to", "staging"}, stderr: []string{`"staging"`}},
		{name: "malformed version", args: []string{"promote", "svc@1.0", "--to", "dev"}, stderr: []string{`"1.0"`}},
		{name: "promote without version or --from", args: []string{"promote", "svc", "--to", "dev"}, stderr: []string{"IMAGE@VERSION"}},
		{name: "validate without version", args: []string{"validate", "svc"}, stderr: []string{"IMAGE@VERSION"}},
		{name: "promote unknown version", args: []string{"promote", "svc@7.7.7", "--to", "dev"}, stderr: []string{"svc@7.7.7 is not recorded: `bake history svc` lists its releases"}, check: saidOnce},
		{name: "rollback to an unknown version", args: []string{"rollback", "svc", "--env", "dev", "--to", "7.7.7"}, stderr: []string{"svc@7.7.7 is not recorded: `bake history svc` lists its releases"}, check: saidOnce},
		{name: "rollback IMAGE@VERSION unknown", args: []string{"rollback", "svc@7.7.7", "--env", "dev"}, stderr: []string{"svc@7.7.7 is not recorded: `bake history svc` lists its releases"}, check: saidOnce},
		{name: "show unknown version", args: []string{"show", "svc@7.7.7"}, stderr: []string{"svc@7.7.7 is not recorded: `bake history svc` lists its releases"}, check: saidOnce},
		{name: "validate unknown version", args: []string{"validate", "svc@7.7.7"}, stderr: []string{"svc@7.7.7 is not recorded: `bake history svc` lists its releases"}, check: saidOnce},
		{name: "revoke unknown version", args: []string{"revoke", "svc@7.7.7", "--reason", "bad"}, stderr: []string{"svc@7.7.7 is not recorded: `bake history svc` lists its releases"}, check: saidOnce},
		{name: "approve unknown version", args: []string{"approve", "svc@7.7.7", "--env", "prod"}, stderr: []string{"svc@7.7.7 is not recorded: `bake history svc` lists its releases"}, check: saidOnce},
		{name: "unknown flag", args: []string{"status", "--bogus"}, stderr: []string{"--bogus"}},
		{name: "report into a directory that does not exist", args: []string{"release", "svc", "--version", "2.0.0", "--report", "junit=nonexistent/dir/x.xml"},
			stderr: []string{"junit=nonexistent/dir/x.xml", "directory nonexistent/dir does not exist"},
			check: func(t *testing.T, line string) {
				assert.NoDirExists(t, filepath.Join(p.Dir, "nonexistent"), "bake created the report's directory")
			}},
		{name: "--continue with --plan", args: []string{"promote", "svc", "--env", "dev", "--continue", "--plan"},
			stderr: []string{"bake: promote: --continue and --plan cannot be used together: give one of them (see `bake promote --help`)"}},
		{name: "--continue with --from", args: []string{"promote", "svc", "--env", "dev", "--continue", "--from", "dev"},
			stderr: []string{"bake: promote: --continue and --from cannot be used together"}},
		{name: "missing --to", args: []string{"promote", "svc@1.0.0"}, stderr: []string{"to"}},
		{name: "missing --env", args: []string{"rollback", "svc"}, stderr: []string{"env"}},
		{name: "release a recorded version", args: []string{"release", "svc", "--version", "1.0.0"}, stderr: []string{"svc@1.0.0"}},
		{name: "malformed release version", args: []string{"release", "svc", "--version", "v2"}, stderr: []string{`"v2"`}},
		{
			name: "malformed bake.yaml", args: []string{"status"},
			setup: func(t *testing.T) func() {
				return replaceConfig(t, strings.Replace(string(config), "images:\n", "images:\n  svc: : bad\n", 1))
			},
			check: func(t *testing.T, line string) {
				assert.Contains(t, line, "bake.yaml:"+strconv.Itoa(lineOf("images:")+1))
			},
		},
		{
			name: "unclosed flow sequence in bake.yaml", args: []string{"status"},
			setup: func(t *testing.T) func() {
				return replaceConfig(t, strings.Replace(string(config), "images:\n", "images: [\n", 1))
			},
			check: func(t *testing.T, line string) {
				m := regexp.MustCompile(`bake\.yaml:(\d+)`).FindStringSubmatch(line)
				require.NotNil(t, m, "no bake.yaml:LINE in %q", line)
				n, _ := strconv.Atoi(m[1])
				assert.GreaterOrEqual(t, n, lineOf("images:"), "the error points at or after the unclosed [ on line %d", lineOf("images:"))
			},
		},
		{
			name: "unknown key in bake.yaml", args: []string{"status"},
			setup: func(t *testing.T) func() {
				return replaceConfig(t, strings.Replace(string(config), "    port: 8080\n", "    port: 8080\n    tempalte: x\n", 1))
			},
			stderr: []string{"tempalte", `did you mean "template"`},
			check: func(t *testing.T, line string) {
				assert.Contains(t, line, "bake.yaml:"+strconv.Itoa(lineOf("    port: 8080")+1)+":5")
			},
		},
		{name: "missing bake.yaml", args: []string{"-c", "/nonexistent/bake.yaml", "status"}, stderr: []string{"/nonexistent/bake.yaml"}},
		{
			name: "template error", args: []string{"release", "svc", "--version", "2.0.0"},
			setup: func(t *testing.T) func() {
				writeFile(t, tmplPath, dockerfileTemplate+"LABEL broken={{ .Vars.missing }}\n")
				return func() { writeFile(t, tmplPath, dockerfileTemplate) }
			},
			stderr: []string{"Dockerfile.tmpl", "missing"},
		},
		{
			name: "docker engine unreachable", args: []string{"release", "svc", "--version", "2.0.0"},
			env: []string{"DOCKER_HOST=unix:///nonexistent.sock"}, stderr: []string{"/nonexistent.sock"},
		},
		{name: "output yaml", args: []string{"status", "--output", "yaml"}, stderr: []string{`"yaml"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := history(t, p, "")
			restore := func() {}
			if tc.setup != nil {
				restore = tc.setup(t)
			}
			res := bakeEnv(t, p.Dir, tc.env, tc.args...)
			restore()
			assert.Equal(t, 2, res.code, res.String())
			assert.Empty(t, res.stdout)
			assert.NotContains(t, res.stderr, "goroutine")
			assert.NotContains(t, res.stderr, "panic")
			lines := strings.Split(strings.TrimRight(res.stderr, "\n"), "\n")
			if len(lines) == 2 && strings.HasPrefix(lines[1], "hint: ") {
				lines = lines[:1]
			}
			assert.Len(t, lines, 1, "stderr must be one line (and a hint):\n%s", res.stderr)
			line := lines[len(lines)-1]
			assert.True(t, strings.HasPrefix(lines[0], "bake: "), "stderr starts with \"bake: \": %q", lines[0])
			for _, s := range tc.stderr {
				assert.Contains(t, line, s)
			}
			if tc.check != nil {
				tc.check(t, line)
			}
			if tc.env != nil {
				assert.Contains(t, res.stderr, "\nhint: ", "an unreachable engine comes with a hint")
			}
			assert.Equal(t, before, history(t, p, ""), "the ledger is unchanged")
		})
	}
}
