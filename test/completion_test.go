package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Directives a completion answer ends with (cobra's ShellCompDirective bits).
const (
	dirNoSpace   = 2
	dirNoFiles   = 4
	dirKeepOrder = 32
)

// completion is what `bake __complete` answered: the candidates' values,
// their descriptions by value, and the directive.
type completion struct {
	values    []string
	desc      map[string]string
	directive int
}

// complete asks bake for candidates as a shell does on TAB: args are the
// words typed so far, the last one the word being completed. Flag names
// cobra suggests (a required --to) are left out: the cases here are about
// values.
func complete(t *testing.T, dir string, args ...string) completion {
	t.Helper()
	res := bake(t, dir, append([]string{"__complete"}, args...)...)
	require.Equal(t, 0, res.code, "a completion never fails\n%s", res)
	lines := strings.Split(strings.TrimSuffix(res.stdout, "\n"), "\n")
	last := lines[len(lines)-1]
	require.True(t, strings.HasPrefix(last, ":"), "the answer ends with its directive\n%s", res)
	c := completion{desc: map[string]string{}}
	var err error
	c.directive, err = strconv.Atoi(last[1:])
	require.NoError(t, err, res.String())
	for _, l := range lines[:len(lines)-1] {
		value, desc, _ := strings.Cut(l, "\t")
		if strings.HasPrefix(value, "-") {
			continue
		}
		c.values = append(c.values, value)
		c.desc[value] = desc
	}
	return c
}

// TestCompletion drives the hidden command the shells' scripts call against
// a project whose SQLite ledger holds releases and deployments: image
// names, environments, recorded versions, the versions a rollback may go
// back to, and fixed flag values.
func TestCompletion(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	// A second image, which no environment runs.
	cfg, err := os.ReadFile(p.ConfigPath())
	require.NoError(t, err)
	worker := "  worker:\n    template: templates/svc\n    context: images/svc\n    vars: {healthy_until: \"0\", healthy_after: \"0\"}\nenvironments:\n"
	writeFile(t, p.ConfigPath(), strings.Replace(string(cfg), "environments:\n", worker, 1))

	t.Run("without a ledger, no versions and no error", func(t *testing.T) {
		c := complete(t, p.Dir, "show", "svc@")
		assert.Empty(t, c.values)
		assert.NotZero(t, c.directive&dirNoFiles)
		assert.Equal(t, []string{"svc", "worker"}, complete(t, p.Dir, "build", "").values, "bake.yaml is still read")
	})

	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0"} {
		p.release(t, v)
	}
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0"} {
		mustBake(t, p.Dir, "promote", "svc@"+v, "--to", "dev")
	}
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "qa")

	t.Run("image names", func(t *testing.T) {
		for _, args := range [][]string{{"build", ""}, {"release", ""}, {"status", ""}, {"history", ""}, {"unpin", ""}, {"rollback", ""}} {
			c := complete(t, p.Dir, args...)
			assert.Equal(t, []string{"svc", "worker"}, c.values, "bake %s", strings.Join(args, " "))
			assert.NotZero(t, c.directive&dirNoFiles, "no file names after bake %s", args[0])
		}
		assert.Equal(t, []string{"worker"}, complete(t, p.Dir, "release", "w").values, "what was typed filters")
		assert.Empty(t, complete(t, p.Dir, "build", "svc", "").values, "build takes one image")
		assert.Equal(t, []string{"svc"}, complete(t, p.Dir, "recover", "dev", "").values, "the images dev has a target for")
		other := t.TempDir()
		assert.Equal(t, []string{"svc", "worker"}, complete(t, other, "--config", p.ConfigPath(), "build", "").values,
			"--config names the project")
	})

	t.Run("environment names", func(t *testing.T) {
		for _, args := range [][]string{
			{"promote", "svc@1.2.0", "--to", ""}, {"promote", "svc", "--from", ""}, {"rollback", "svc", "--env", ""},
			{"history", "svc", "--env", ""}, {"unpin", "svc", "--env", ""}, {"approve", "svc@1.2.0", "--env", ""}, {"recover", ""},
			{"lock", ""}, {"unlock", ""},
		} {
			c := complete(t, p.Dir, args...)
			assert.Equal(t, envNames, c.values, "bake %s", strings.Join(args, " "))
			assert.NotZero(t, c.directive&dirKeepOrder, "promotion order")
		}
		assert.Equal(t, []string{"qa"}, complete(t, p.Dir, "promote", "svc@1.2.0", "--to", "q").values)
	})

	t.Run("versions", func(t *testing.T) {
		c := complete(t, p.Dir, "show", "")
		assert.Equal(t, []string{"svc@", "worker@"}, c.values)
		assert.NotZero(t, c.directive&dirNoSpace, "the version follows the @")

		c = complete(t, p.Dir, "show", "svc@")
		assert.Equal(t, []string{"svc@1.2.0", "svc@1.1.0", "svc@1.0.0"}, c.values, "newest first")
		assert.NotZero(t, c.directive&dirKeepOrder)
		assert.Contains(t, c.desc["svc@1.2.0"], "validated")
		assert.Equal(t, []string{"svc@1.1.0"}, complete(t, p.Dir, "validate", "svc@1.1").values)
		assert.Empty(t, complete(t, p.Dir, "show", "worker@").values, "worker has no release")
		assert.Empty(t, complete(t, p.Dir, "show", "nosuch@").values)

		assert.Equal(t, []string{"svc"}, complete(t, p.Dir, "promote", "--from", "dev", "--to", "qa", "s").values,
			"with --from, the image alone")
	})

	t.Run("rollback offers only versions that ran in the environment", func(t *testing.T) {
		c := complete(t, p.Dir, "rollback", "svc", "--env", "dev", "--to", "")
		assert.Equal(t, []string{"1.1.0", "1.0.0"}, c.values, "dev ran all three and runs 1.2.0")
		assert.Contains(t, c.desc["1.1.0"], "by e2e")
		assert.NotZero(t, c.directive&dirNoFiles)
		assert.Empty(t, complete(t, p.Dir, "rollback", "svc", "--env", "qa", "--to", "").values, "qa ran only what it runs")
		assert.Empty(t, complete(t, p.Dir, "rollback", "svc", "--env", "prod", "--to", "").values, "nothing ran in prod")
		assert.Empty(t, complete(t, p.Dir, "rollback", "svc", "--to", "").values, "no --env, no versions")
		assert.Equal(t, []string{"svc@1.1.0", "svc@1.0.0"}, complete(t, p.Dir, "rollback", "--env", "dev", "svc@").values)

		mustBake(t, p.Dir, "revoke", "--yes", "svc@1.1.0", "--reason", "leaks memory")
		assert.Equal(t, []string{"1.0.0"}, complete(t, p.Dir, "rollback", "svc", "--env", "dev", "--to", "").values,
			"a revoked release is no rollback target")
		assert.Equal(t, []string{"svc@1.2.0", "svc@1.0.0"}, complete(t, p.Dir, "promote", "svc@").values,
			"nor is it promoted")
		c = complete(t, p.Dir, "show", "svc@1.1")
		assert.Equal(t, []string{"svc@1.1.0"}, c.values, "show still finds it")
		assert.Equal(t, "revoked", c.desc["svc@1.1.0"])
	})

	t.Run("fixed flag values", func(t *testing.T) {
		assert.Equal(t, []string{"text", "json"}, complete(t, p.Dir, "status", "-o", "").values)
		assert.Equal(t, []string{"json"}, complete(t, p.Dir, "--output", "j").values)
		assert.Equal(t, []string{"auto", "major", "minor", "patch"}, complete(t, p.Dir, "release", "svc", "--bump", "").values)
		c := complete(t, p.Dir, "validate", "svc@1.0.0", "--report", "")
		assert.Equal(t, []string{"junit="}, c.values)
		assert.NotZero(t, c.directive&dirNoSpace)
		c = complete(t, p.Dir, "gc", "")
		assert.Empty(t, c.values)
		assert.NotZero(t, c.directive&dirNoFiles, "gc takes no file")
	})

	t.Run("bash", func(t *testing.T) {
		// The script as bash runs it on TAB, with the words of a command line.
		script := mustBake(t, p.Dir, "completion", "bash", "--no-descriptions").stdout
		file := filepath.Join(t.TempDir(), "bake.bash")
		writeFile(t, file, script)
		words := []string{bakeBin, "rollback", "svc", "--env", "dev", "--to", ""}
		line := strings.Join(words, " ")
		sh := `source /usr/share/bash-completion/bash_completion; source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="` + line + `"; COMP_POINT=${#COMP_LINE};
__start_bake; printf '%s\n' "${COMPREPLY[@]}"`
		cmd := exec.Command("bash", append([]string{"-c", sh, "bash", file}, words...)...)
		cmd.Dir = p.Dir
		cmd.Env = append(os.Environ(), "BAKE_USER=e2e")
		// stderr has compopt's complaint that no TAB is being completed:
		// the function runs outside readline, which only compopt notices.
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		require.NoError(t, err, stderr.String())
		assert.Equal(t, "1.0.0\n", string(out), "bash offers the one version left\n%s", stderr.String())
	})

	t.Run("no bake.yaml or a broken one: nothing, quietly", func(t *testing.T) {
		empty := t.TempDir()
		for _, args := range [][]string{{"promote", ""}, {"promote", "svc@"}, {"rollback", "svc", "--env", "dev", "--to", ""}, {"recover", ""}} {
			c := complete(t, empty, args...)
			assert.Empty(t, c.values, "bake %s without bake.yaml", strings.Join(args, " "))
			assert.NotZero(t, c.directive&dirNoFiles)
		}
		broken := t.TempDir()
		writeFile(t, filepath.Join(broken, "bake.yaml"), "images: [\n")
		assert.Empty(t, complete(t, broken, "build", "").values)
	})
}

// TestCompletionScripts: `bake completion` prints a script for each shell,
// and bash parses its script.
func TestCompletionScripts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for shell, want := range map[string]string{
		"bash": "__start_bake",
		"zsh":  "#compdef bake",
		"fish": "complete -c bake",
	} {
		res := mustBake(t, dir, "completion", shell)
		assert.Contains(t, res.stdout, want, "bake completion %s", shell)
		assert.Contains(t, res.stdout, "__complete", "the %s script asks bake for candidates", shell)
		assert.Empty(t, res.stderr)
	}
	file := filepath.Join(dir, "bake.bash")
	writeFile(t, file, mustBake(t, dir, "completion", "bash").stdout)
	out, err := exec.Command("bash", "-n", file).CombinedOutput()
	assert.NoError(t, err, "bash -n: %s", out)

	res := bake(t, dir, "completion", "tcsh")
	assert.Equal(t, 2, res.code, res.String())
}

// TestCompletionOffersNoFilesForValues: a port, a duration, a count or a
// reason is never a file name, so the shell is told not to offer files.
func TestCompletionOffersNoFilesForValues(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, args := range [][]string{
		{"ui", "--port", ""},
		{"status", "--interval", ""},
		{"logs", "svc", "--tail", ""},
		{"lock", "dev", "--reason", ""},
		{"history", "svc", "--limit", ""},
	} {
		c := complete(t, dir, args...)
		assert.Empty(t, c.values, "%v", args)
		assert.Equal(t, 4, c.directive, "%v: ShellCompDirectiveNoFileComp", args)
	}
}
