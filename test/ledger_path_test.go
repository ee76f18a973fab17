package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/mototest"
)

// readOnlyCommands read the ledger and must never create one.
var readOnlyCommands = [][]string{
	{"show", "svc@1.0.0"},
	{"verify"},
	{"gc", "--dry-run"},
}

// useLedger points the project's bake.yaml at ledger.
func (p *project) useLedger(t *testing.T, ledger string) {
	t.Helper()
	config, err := os.ReadFile(p.ConfigPath())
	require.NoError(t, err)
	require.Contains(t, string(config), "ledger: ledger.db\n")
	writeFile(t, p.ConfigPath(), strings.Replace(string(config), "ledger: ledger.db\n", "ledger: "+ledger+"\n", 1))
}

// assertBadLedger checks that a run exits 2 with one line that contains want.
func assertBadLedger(t *testing.T, res result, want ...string) {
	t.Helper()
	assert.Equal(t, 2, res.code, res.String())
	assert.Empty(t, res.stdout)
	line := strings.TrimRight(res.stderr, "\n")
	assert.NotContains(t, line, "\n", "one line")
	for _, w := range want {
		assert.Contains(t, line, w)
	}
}

// TestLedgerPath checks that read-only commands never create a ledger and
// say that none was recorded yet, and that a path that cannot hold a ledger
// is bad input (exit 2) that says what to do, for every command.
func TestLedgerPath(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})

	t.Run("missing directory", func(t *testing.T) {
		p.useLedger(t, "state/ledger.db")
		defer p.writeConfig(t)
		for _, args := range readOnlyCommands {
			res := bake(t, p.Dir, args...)
			assertBadLedger(t, res, "no ledger at "+filepath.Join(p.Dir, "state", "ledger.db")+" yet", "run `bake release` first")
			assert.NoDirExists(t, filepath.Join(p.Dir, "state"), "bake %s created the ledger's directory", args)
		}
		// status of a new project is not bad input: its environments, with
		// nothing recorded, and still no ledger created.
		for _, args := range [][]string{{"status"}, {"status", "svc", "--check"}} {
			res := mustBake(t, p.Dir, args...)
			assert.Regexp(t, `(?m)^svc\s+latest release: none$`, res.stdout)
			assert.Regexp(t, `(?m)^\s+dev\s+-\s+-`, res.stdout, "dev is listed with nothing recorded")
			assert.NoDirExists(t, filepath.Join(p.Dir, "state"), "bake %s created the ledger's directory", args)
		}
		res := mustBake(t, p.Dir, "history", "svc")
		assert.Contains(t, res.stdout, "nothing released yet: run `bake release svc`")
		var hist struct {
			Schema   string            `json:"schema"`
			Releases []json.RawMessage `json:"releases"`
		}
		require.NoError(t, json.Unmarshal([]byte(mustBake(t, p.Dir, "history", "svc", "-o", "json").stdout), &hist))
		assert.Equal(t, "bake.history/v1", hist.Schema)
		assert.NotNil(t, hist.Releases, "an empty list, not null")
		assert.Empty(t, hist.Releases)
		assert.NoDirExists(t, filepath.Join(p.Dir, "state"), "bake history created the ledger's directory")
		var doc struct {
			Schema string `json:"schema"`
			Images []struct {
				Image        string `json:"image"`
				Environments []struct {
					Env     string `json:"env"`
					Version string `json:"version"`
				} `json:"environments"`
			} `json:"images"`
		}
		require.NoError(t, json.Unmarshal([]byte(mustBake(t, p.Dir, "status", "-o", "json").stdout), &doc))
		assert.Equal(t, "bake.status/v1", doc.Schema)
		require.Len(t, doc.Images, 1)
		assert.Equal(t, "svc", doc.Images[0].Image)
		require.NotEmpty(t, doc.Images[0].Environments)
		for _, es := range doc.Images[0].Environments {
			assert.Empty(t, es.Version, es.Env)
		}
		// A command that needs a recorded release says the same.
		res = bake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
		assertBadLedger(t, res, "no ledger at", "run `bake release` first")
		assert.NoDirExists(t, filepath.Join(p.Dir, "state"))
	})

	t.Run("a file where a directory should be", func(t *testing.T) {
		writeFile(t, filepath.Join(p.Dir, "notes"), "not a directory\n")
		p.useLedger(t, "notes/ledger.db")
		defer p.writeConfig(t)
		for _, args := range [][]string{{"history", "svc"}, {"release", "svc", "--version", "1.0.0"}} {
			res := bake(t, p.Dir, args...)
			assertBadLedger(t, res, filepath.Join(p.Dir, "notes")+" is a file, not a directory", "set `ledger:` in")
			assert.NotContains(t, res.stderr, "validating", "nothing was built")
		}
	})

	t.Run("a directory where the file should be", func(t *testing.T) {
		require.NoError(t, os.MkdirAll(filepath.Join(p.Dir, "ledgerdir"), 0o755))
		p.useLedger(t, "ledgerdir")
		defer p.writeConfig(t)
		assertBadLedger(t, bake(t, p.Dir, "release", "svc", "--version", "1.0.0"), "is a directory, not a file")
	})

	t.Run("a file that is not a ledger", func(t *testing.T) {
		writeFile(t, filepath.Join(p.Dir, "README"), strings.Repeat("not a database\n", 100))
		p.useLedger(t, "README")
		defer p.writeConfig(t)
		assertBadLedger(t, bake(t, p.Dir, "history", "svc"), "not a bake ledger")
	})

	t.Run("read-only file system", func(t *testing.T) {
		ro := filepath.Join(t.TempDir(), "ro")
		require.NoError(t, os.MkdirAll(ro, 0o755))
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", ro).CombinedOutput(); err != nil {
			t.Skipf("cannot mount a read-only tmpfs here: %v %s", err, out)
		}
		t.Cleanup(func() { _ = exec.Command("umount", ro).Run() })
		p.useLedger(t, filepath.Join(ro, "ledger.db"))
		defer p.writeConfig(t)
		res := bake(t, p.Dir, "release", "svc", "--version", "1.0.0")
		assertBadLedger(t, res, ro+" is on a read-only file system", "set `ledger:` in")
		assert.NotContains(t, res.stderr, "validating", "nothing was built")
		assert.Contains(t, mustBake(t, p.Dir, "history", "svc").stdout, "nothing released yet", "reading needs no writable place")
	})

	t.Run("the first release creates it", func(t *testing.T) {
		p.useLedger(t, "state/ledger.db")
		defer p.writeConfig(t)
		p.release(t, "1.0.0")
		assert.FileExists(t, filepath.Join(p.Dir, "state", "ledger.db"))
		for _, args := range readOnlyCommands {
			res := bake(t, p.Dir, args...)
			assert.Equal(t, 0, res.code, "bake %s\n%s", args, res)
		}
	})
}

// TestLedgerPathDynamoDB checks that a read-only command on a DynamoDB
// ledger whose table does not exist says so and creates no table.
func TestLedgerPathDynamoDB(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("moto_server"); err != nil {
		t.Skip("moto_server is not on PATH (scripts/services.sh up installs it): the DynamoDB ledger needs it")
	}
	srv, err := mototest.Start()
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	p := newProject(t, projectOptions{})
	table := p.Name + "-ledger"
	p.useLedger(t, "dynamodb://"+table+"?region="+awsRegion+"&endpoint="+srv.Endpoint)
	env := awsTestEnv()
	for _, args := range readOnlyCommands {
		res := bakeEnv(t, p.Dir, env, args...)
		assertBadLedger(t, res, "no ledger at dynamodb://"+table, "run `bake release` first")
	}

	ctx := context.Background()
	cfg, err := awsx.Load(ctx, awsx.Settings{Region: awsRegion, Endpoint: srv.Endpoint, Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "testing", SecretAccessKey: "testing"}, nil
	})}, nil)
	require.NoError(t, err)
	tables, err := dynamodb.NewFromConfig(cfg).ListTables(ctx, &dynamodb.ListTablesInput{})
	require.NoError(t, err)
	assert.Empty(t, tables.TableNames, "a read-only command created a table")

	// The first release creates the table; then the same commands read it.
	res := bakeEnv(t, p.Dir, env, "release", "svc", "--version", "1.0.0")
	require.Equal(t, 0, res.code, res.String())
	res = bakeEnv(t, p.Dir, env, "history", "svc")
	assert.Equal(t, 0, res.code, res.String())
	// The ledger's calls count with bake's other AWS calls.
	assert.Regexp(t, `(?m)^aws: \d+ API calls? \(.*DynamoDB\.`, res.stderr)
}
