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

// demoProdHealthz is the step header demo.sh prints before asking prod, on
// the port bake init chose.
var demoProdHealthz = regexp.MustCompile(`^curl -s http://127\.0\.0\.1:\d+/healthz +\(prod's front door\)`)

// TestDemo runs scripts/demo.sh end to end: prod answers 1.1.0, then 1.0.0
// after the rollback, and the ledger holds all seven deployments. bake init
// names the project after its directory, so the demo runs as a project of
// its own and a user's `make demo` (project demo) keeps running.
func TestDemo(t *testing.T) {
	t.Parallel()
	name := "e2e-demo-" + randomHex(t, 4)
	dir := filepath.Join(t.TempDir(), name)
	t.Cleanup(func() { removeProject(t, name, routeIDs(name, "hello"), true) })

	ctx, cancel := context.WithTimeout(context.Background(), demoTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(repoRoot, "scripts", "demo.sh"))
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "BAKE_BIN="+bakeBin, "BAKE_DEMO_DIR="+dir, "BAKE_USER=e2e")
	cmd.WaitDelay = 10 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	require.NoError(t, ctx.Err(), "demo.sh did not finish within %s\n%s", demoTimeout, out.String())
	require.NoError(t, err, "demo.sh failed\n%s", out.String())

	answers := prodAnswers(out.String())
	require.Len(t, answers, 2, "demo.sh asks prod twice\n%s", out.String())
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

// prodAnswers returns what followed each of demo.sh's "ask prod" steps, in order.
func prodAnswers(out string) []string {
	var answers []string
	for _, step := range strings.Split(out, "==> ")[1:] {
		if demoProdHealthz.MatchString(step) {
			_, answer, _ := strings.Cut(step, "\n")
			answers = append(answers, answer)
		}
	}
	return answers
}
