package builder

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A variable's value from bake.yaml reaches Packer as that value, never as
// one of its options: "-force" or "-on-error=abort" stays text. Packer's
// file builder writes the value out, so the real binary shows what it got.
func TestPackerVariableValuesNeverBecomeOptions(t *testing.T) {
	dir := t.TempDir()
	template := filepath.Join(dir, "file.json")
	write(t, template, `{
  "variables": {"message": ""},
  "builders": [{"type": "file", "target": "out.txt", "content": "{{user `+"`message`"+`}}"}]
}`)
	for _, value := range []string{"-force", "-on-error=abort", "--", "x -var=y=z"} {
		args := packerBuildArgs([]string{"message=" + value}, "", template)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		res, err := runPacker(ctx, packerRun{binary: "packer", dir: dir, args: args, grace: time.Second})
		cancel()
		require.NoError(t, err, "value %q: %+v", value, res)
		got, err := os.ReadFile(filepath.Join(dir, "out.txt"))
		require.NoError(t, err)
		assert.Equal(t, value, string(got))
	}
	// And a template path that looks like an option is still the template.
	args := packerBuildArgs(nil, "", "-force")
	assert.Equal(t, []string{"--", "-force"}, args[len(args)-2:])
}

// Packer keeps the AWS credentials a template building on EC2 needs, and
// gets none of bake's own secrets: build secrets reach it as declared
// variables in a var-file only.
func TestPackerEnvironmentHoldsNoBakeSecrets(t *testing.T) {
	t.Setenv("BAKE_SIGNING_KEY", "canary-signing-key")
	t.Setenv("BAKE_SECRET_TOKEN", "canary-build-secret")
	t.Setenv("BAKE_REGISTRY_PASSWORD", "canary-registry")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "aws-secret")
	env := strings.Join(packerEnv(), "\n")
	assert.NotContains(t, env, "canary-")
	assert.Contains(t, env, "AWS_SECRET_ACCESS_KEY=aws-secret")
}
