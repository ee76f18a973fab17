package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// demoTimeout bounds scripts/demo.sh: it bakes a Debian base and compiles Go.
const demoTimeout = 10 * time.Minute

// demoNoise are lines the demo keeps in its log, never on its output:
// BuildKit's steps, mmdebstrap's progress, the Go toolchain's downloads.
var demoNoise = regexp.MustCompile(`(?m)^(#\d+ |I: |go: downloading )`)

// TestDemo runs scripts/demo.sh end to end, which runs the sh blocks of
// docs/tutorial.md: every command of the tutorial is printed and run, the
// output has bake's lines and none of the build output, prod answers with
// the new greeting of 1.1.0, then 1.0.0 after the rollback, and the ledger
// holds all seven deployments. bake init names the project after its
// directory, so the demo runs as a project of its own and a user's `make
// demo` (project demo) keeps running.
func TestDemo(t *testing.T) {
	t.Parallel()
	name := "e2e-demo-" + randomHex(t, 4)
	dir := filepath.Join(t.TempDir(), name)
	t.Cleanup(func() { removeProject(t, name, routeIDs(name, "hello"), true) })

	ctx, cancel := context.WithTimeout(context.Background(), demoTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(repoRoot, "scripts", "demo.sh"))
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "BAKE_BIN="+bakeBin, "BAKE_DEMO_DIR="+dir, "BAKE_USER=e2e",
		"BAKE_DEMO_LOG="+filepath.Join(t.TempDir(), "demo.log"))
	cmd.WaitDelay = 10 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	require.NoError(t, ctx.Err(), "demo.sh did not finish within %s\n%s", demoTimeout, out.String())
	require.NoError(t, err, "demo.sh failed\n%s", out.String())

	printed := out.String()
	list, err := exec.Command(filepath.Join(repoRoot, "scripts", "demo.sh"), "--list").Output()
	require.NoError(t, err)
	commands := strings.Split(strings.TrimSuffix(string(list), "\x00"), "\x00")
	require.GreaterOrEqual(t, len(commands), 20, "the tutorial's commands")
	for _, c := range commands {
		assert.Contains(t, printed, "$ "+c+"\n", "the demo printed and ran the tutorial's command")
	}
	assert.Contains(t, commands, "bake rollback hello --env prod --yes")
	assert.NotRegexp(t, demoNoise, printed, "build output belongs in the log")
	assert.Regexp(t, `starting Caddy as the front door on 127\.0\.0\.1:\d+ \(its config, upstreams and log: /`, printed)
	assert.Contains(t, printed, "make demo-clean")

	greetings := answersTo(printed, "$ curl -s http://$PROD/")
	require.Len(t, greetings, 2, "the tutorial asks prod for its greeting twice\n%s", printed)
	assert.Equal(t, "hello from bake (version 1.0.0)", greetings[0])
	assert.Equal(t, "hello from bake, with a new feature (version 1.1.0)", greetings[1])
	answers := answersTo(printed, "$ curl -s http://$PROD/healthz")
	require.Len(t, answers, 2, "the tutorial asks prod's health twice\n%s", printed)
	assert.Contains(t, answers[0], `"version":"1.1.0"`, "prod after promoting 1.1.0")
	assert.Contains(t, answers[1], `"version":"1.0.0"`, "prod after the rollback")

	config, err := os.ReadFile(filepath.Join(dir, "bake.yaml"))
	require.NoError(t, err)
	require.Regexp(t, `(?m)^project: `+name+`$`, string(config), "the demo's project is named after its directory")

	res := mustBake(t, dir, "-c", filepath.Join(dir, "bake.yaml"), "history", "hello", "-o", "json")
	var h historyDoc
	decodeOne(t, res.stdout, &h)
	require.Len(t, h.Deployments, 7, "3 promotions of 1.0.0, 3 of 1.1.0 and a rollback")
	newest := h.Deployments[0]
	assert.Equal(t, "prod", newest.Env)
	assert.Equal(t, "rollback", newest.Kind)
	assert.Equal(t, "succeeded", newest.Outcome)
	assert.Equal(t, "1.0.0", newest.Version)
	assert.Equal(t, "1.1.0", newest.Previous)
	for _, d := range h.Deployments {
		assert.Equal(t, "succeeded", d.Outcome, "deployment %d to %s", d.ID, d.Env)
	}

	// The example's Packer template bakes FROM the same debian release.
	mustBake(t, dir, "release", "tools", "--version", "1.0.0")
	var tools showDoc
	decodeOne(t, mustBake(t, dir, "show", "tools@1.0.0", "-o", "json").stdout, &tools)
	assert.Equal(t, "validated", tools.Status)
	assert.Equal(t, "packer", tools.Provenance.Builder)
	assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, tools.Digest)

	// Nothing changed since: --all releases nothing.
	var all []struct {
		Unchanged bool `json:"unchanged"`
	}
	decodeList(t, mustBake(t, dir, "release", "--all", "-o", "json").stdout, "bake.release-all/v1", "releases", &all)
	require.Len(t, all, 3)
	for i, r := range all {
		assert.True(t, r.Unchanged, "image %d of --all", i)
	}
}

// answersTo returns the line printed after each line that is command, in order.
func answersTo(out, command string) []string {
	var answers []string
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if l == command && i+1 < len(lines) {
			answers = append(answers, strings.TrimSpace(lines[i+1]))
		}
	}
	return answers
}
