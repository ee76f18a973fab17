package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/registry/registrytest"
)

// ciMotoEndpoint is the moto_server of scripts/services.sh, where the
// recipes' DynamoDB ledger lives during the test.
const ciMotoEndpoint = "http://127.0.0.1:5001"

// ciRecipe is one CI system's files under examples/ci and how its jobs hand
// the release's version to the jobs after it.
type ciRecipe struct {
	name  string
	files []string // in the order the CI runs them: the pipeline, then the rollback
}

var ciRecipes = []ciRecipe{
	{"github-actions", []string{"github-actions/release.yml", "github-actions/rollback.yml"}},
	{"gitlab-ci", []string{"gitlab-ci/.gitlab-ci.yml"}},
	{"jenkins", []string{"jenkins/Jenkinsfile"}},
}

// ciStep is one line of a recipe the test runs: a bake command, or the line
// that hands a result to the next job.
type ciStep struct {
	where   string // FILE:LINE
	command string // for bash
	capture string // Jenkins `env.NAME = sh(...)`: NAME gets the command's stdout
}

var (
	// bakeCommand finds bake run as a command: at the start, after a shell
	// operator or a quote, or in a command substitution.
	bakeCommand = regexp.MustCompile(`(^|[\s;&|("'])bake\s`)
	// jenkinsCapture is a Jenkinsfile line that keeps a command's output.
	jenkinsCapture = regexp.MustCompile(`^env\.(\w+) = sh\(script: '(.*)', returnStdout: true\)\.trim\(\)$`)
	// jenkinsSh is a Jenkinsfile sh step of one line.
	jenkinsSh = regexp.MustCompile(`^sh '(.*)'$`)
)

// recipeSteps extracts the steps of one recipe file: every line that runs
// bake, and the lines that pass the version on (to $GITHUB_OUTPUT, a dotenv
// report, a Jenkins env variable). A line that mentions a bake command in a
// form the test does not know fails the test, so no command escapes it.
func recipeSteps(t *testing.T, file string) []ciStep {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	var steps []ciStep
	for i, line := range strings.Split(string(data), "\n") {
		where := fmt.Sprintf("%s:%d", filepath.Base(file), i+1)
		s := strings.TrimSpace(line)
		if s == "" || strings.HasPrefix(s, "#") || strings.HasPrefix(s, "//") {
			continue
		}
		// A trailing comment is not part of the command.
		for _, sep := range []string{" # ", " // "} {
			if before, _, ok := strings.Cut(s, sep); ok {
				s = strings.TrimSpace(before)
			}
		}
		if m := jenkinsCapture.FindStringSubmatch(s); m != nil {
			steps = append(steps, ciStep{where: where, command: m[2], capture: m[1]})
			continue
		}
		if !bakeCommand.MatchString(s) && !strings.Contains(s, "GITHUB_OUTPUT") && !strings.Contains(s, ">> release.env") {
			continue
		}
		s = strings.TrimPrefix(s, "- ")
		s = strings.TrimPrefix(s, "run: ")
		if m := jenkinsSh.FindStringSubmatch(s); m != nil {
			s = m[1]
		}
		if strings.Contains(s, ": ") && !strings.HasPrefix(s, "bake ") && !strings.HasPrefix(s, "echo ") {
			t.Fatalf("%s: cannot tell the command in %q", where, line)
		}
		steps = append(steps, ciStep{where: where, command: s})
	}
	return steps
}

// TestCIRecipesExtract pins what the extraction finds in each recipe, so a
// recipe whose commands the test silently stopped running fails here.
func TestCIRecipesExtract(t *testing.T) {
	for _, r := range ciRecipes {
		var commands []string
		for _, f := range r.files {
			for _, s := range recipeSteps(t, filepath.Join(repoRoot, "examples", "ci", f)) {
				if bakeCommand.MatchString(s.command) {
					commands = append(commands, s.command)
				}
			}
		}
		want := []string{
			`bake release "$IMAGE" -o json > `,
			`bake promote "$IMAGE@$VERSION" --to dev`,
			`bake promote "$IMAGE" --from dev --to qa`,
			`bake promote "$IMAGE" --from qa --to prod --yes`,
			`bake rollback "$IMAGE" --env "$ROLLBACK_ENV" ${ROLLBACK_TO:+--to "$ROLLBACK_TO"} --yes`,
			`bake status "$IMAGE" --check`,
		}
		require.Len(t, commands, len(want), "%s: %q", r.name, commands)
		for i, w := range want {
			assert.Contains(t, commands[i], w, "%s: command %d", r.name, i+1)
		}
	}
}

// TestCIRecipes runs every recipe's bake commands against a project of its
// own: the built binary, the Docker engine, the registry that requires
// credentials (BAKE_REGISTRY_USER), releases signed with BAKE_SIGNING_KEY and
// verified against signing.public_keys, and the DynamoDB ledger on moto. The
// pipeline runs twice, a feat: commit between (0.1.0, then 0.2.0 into
// prod), then the rollback job takes prod back to 0.1.0. Each step runs in a
// shell of its own, as CI jobs do, with only what the CI hands over.
func TestCIRecipes(t *testing.T) {
	t.Parallel()
	for _, r := range ciRecipes {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			var pipeline, rollback []ciStep
			for _, f := range r.files {
				for _, s := range recipeSteps(t, filepath.Join(repoRoot, "examples", "ci", f)) {
					if strings.HasPrefix(s.command, "bake rollback ") || strings.HasPrefix(s.command, "bake status ") {
						rollback = append(rollback, s)
					} else {
						pipeline = append(pipeline, s)
					}
				}
			}
			c := newCIProject(t)
			c.run(t, pipeline)
			c.commit(t, "feat: a second release", "images/svc/feature.txt")
			c.run(t, pipeline)
			c.run(t, rollback)

			var h historyDoc
			decodeOne(t, c.bake(t, "history", "svc", "--env", "prod", "-o", "json"), &h)
			require.GreaterOrEqual(t, len(h.Deployments), 3, "two promotions and a rollback in prod")
			last := h.Deployments[0]
			assert.Equal(t, "rollback", last.Kind)
			assert.Equal(t, "succeeded", last.Outcome)
			assert.Equal(t, "0.1.0", last.Version)
			assert.Equal(t, "0.2.0", last.Previous)
			var show struct {
				Signature  string `json:"signature"`
				SigningKey string `json:"signing_key"`
			}
			decodeOne(t, c.bake(t, "show", "svc@0.2.0", "-o", "json"), &show)
			assert.NotEmpty(t, show.Signature, "the CI's key signed the release")
		})
	}
}

// ciProject is a git repository with a bake project whose ledger is a
// DynamoDB table on moto, and the environment a CI runner would give bake.
type ciProject struct {
	*project
	env     []string          // what the CI's secrets and variables set
	handed  map[string]string // what earlier jobs handed over (VERSION)
	scratch string            // the runner's temporary directory, outside the checkout
	bin     string            // a directory with `bake`, first on PATH
}

func newCIProject(t *testing.T) *ciProject {
	t.Helper()
	reg := registrytest.Find(t)
	p := newProject(t, projectOptions{Registry: fmt.Sprintf("{address: %s, ca: %s}", reg.Address, reg.CA)})
	c := &ciProject{project: p, handed: map[string]string{}, scratch: t.TempDir(), bin: t.TempDir()}
	require.NoError(t, os.Symlink(bakeBin, filepath.Join(c.bin, "bake")))

	// The signing key pair: the public key committed, the private key a CI secret.
	keyDir := t.TempDir()
	mustBake(t, keyDir, "keygen", "--out", filepath.Join(keyDir, "release.key"))
	pub, err := os.ReadFile(filepath.Join(keyDir, "release.key.pub"))
	require.NoError(t, err)
	writeFile(t, filepath.Join(p.Dir, "keys", "release.pub"), string(pub))
	key, err := os.ReadFile(filepath.Join(keyDir, "release.key"))
	require.NoError(t, err)

	config, err := os.ReadFile(p.ConfigPath())
	require.NoError(t, err)
	text := strings.Replace(string(config), "ledger: ledger.db\n",
		"ledger: dynamodb://"+p.Name+"-ledger?region=us-east-1&endpoint="+ciMotoEndpoint+"\nsigning:\n  public_keys: [keys/release.pub]\n", 1)
	text = strings.Replace(text, "  - name: prod\n", "  - name: prod\n    protected: true\n", 1)
	require.Contains(t, text, "dynamodb://")
	require.Contains(t, text, "protected: true")
	writeFile(t, p.ConfigPath(), text)

	c.env = append(reg.Env(),
		"PATH="+c.bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"IMAGE=svc", "BAKE_USER=ci", "BAKE_SIGNING_KEY="+string(key),
		"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_REGION=us-east-1",
		"ROLLBACK_ENV=prod", "ROLLBACK_TO=",
		// Each CI's own temporary directory, and what names a pipeline.
		"RUNNER_TEMP="+c.scratch, "CI_BUILDS_DIR="+c.scratch, "CI_PIPELINE_ID=1", "WORKSPACE_TMP="+filepath.Join(c.scratch, "ws"),
	)
	c.git(t, "init", "-q")
	c.commit(t, "chore: the project", "")
	return c
}

func (c *ciProject) git(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=ci", "-c", "user.email=ci@localhost"}, args...)...)
	cmd.Dir = c.Dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %s\n%s", strings.Join(args, " "), out)
}

// commit commits everything, after writing file (relative to the project) when given.
func (c *ciProject) commit(t *testing.T, message, file string) {
	t.Helper()
	if file != "" {
		writeFile(t, filepath.Join(c.Dir, file), message+"\n")
	}
	c.git(t, "add", "-A")
	c.git(t, "commit", "-qm", message)
}

// run runs steps in a fresh checkout, each in a shell of its own as CI jobs
// do, and keeps what a step hands to later jobs.
func (c *ciProject) run(t *testing.T, steps []ciStep) {
	t.Helper()
	c.git(t, "clean", "-fdq") // what the last pipeline left (release.env) is not in a fresh checkout
	output := filepath.Join(c.scratch, "github-output")
	require.NoError(t, os.WriteFile(output, nil, 0o600))
	for _, s := range steps {
		env := append(append([]string{}, c.env...), "GITHUB_OUTPUT="+output)
		for k, v := range c.handed {
			env = append(env, k+"="+v)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		cmd := exec.CommandContext(ctx, "bash", "-eo", "pipefail", "-c", s.command)
		cmd.Dir, cmd.Env, cmd.WaitDelay = c.Dir, append(os.Environ(), env...), 10*time.Second
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		cancel()
		require.NoError(t, err, "%s: %s\n--- stdout:\n%s\n--- stderr:\n%s", s.where, s.command, stdout.String(), stderr.String())
		t.Logf("%s: %s: ok", s.where, s.command)
		if s.capture != "" {
			c.handed[s.capture] = strings.TrimSpace(stdout.String())
		}
		// GitHub: needs.release.outputs.version is the jobs' VERSION.
		c.handOver(t, output, "version", "VERSION")
		// GitLab: the dotenv report's variables reach the later jobs.
		c.handOver(t, filepath.Join(c.Dir, "release.env"), "VERSION", "VERSION")
	}
	require.Regexp(t, `^\d+\.\d+\.\d+$`, c.handed["VERSION"], "the release job handed its version on")
}

// handOver reads KEY=VALUE lines of file, when it exists, into handed[name].
func (c *ciProject) handOver(t *testing.T, file, key, name string) {
	t.Helper()
	f, err := os.Open(file)
	if os.IsNotExist(err) {
		return
	}
	require.NoError(t, err)
	defer f.Close()
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		if v, ok := strings.CutPrefix(lines.Text(), key+"="); ok {
			c.handed[name] = v
		}
	}
	require.NoError(t, lines.Err())
}

// bake runs bake in the project with the CI's environment and returns stdout.
func (c *ciProject) bake(t *testing.T, args ...string) string {
	t.Helper()
	res := bakeEnv(t, c.Dir, c.env, args...)
	require.Equal(t, 0, res.code, "bake %s\n%s", strings.Join(args, " "), res)
	return res.stdout
}
