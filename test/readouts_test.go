package e2e

import (
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRevokedReleaseIsShown: `bake show` and `bake history` say that a
// release is revoked, by whom and why (text and JSON); an approval for an
// environment without an approval gate is refused in plain words; --before
// takes only a deployment ID.
func TestRevokedReleaseIsShown(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")
	p.release(t, "1.1.0")
	mustBake(t, p.Dir, "revoke", "svc@1.0.0", "--reason", "leaks memory", "--yes")

	show := mustBake(t, p.Dir, "show", "svc@1.0.0").stdout
	assert.Regexp(t, `(?m)^revoked\s+by e2e at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d: leaks memory`, show)
	assert.NotContains(t, mustBake(t, p.Dir, "show", "svc@1.1.0").stdout, "revoked")
	var doc struct {
		Revoked *struct{ By, Reason string } `json:"revoked"`
	}
	decodeOne(t, mustBake(t, p.Dir, "show", "svc@1.0.0", "-o", "json").stdout, &doc)
	require.NotNil(t, doc.Revoked, "show -o json has the revocation")
	assert.Equal(t, "e2e", doc.Revoked.By)
	assert.Equal(t, "leaks memory", doc.Revoked.Reason)

	hist := mustBake(t, p.Dir, "history", "svc").stdout
	assert.Regexp(t, `(?m)^svc@1\.0\.0\s+validated, revoked\s`, hist)
	assert.Regexp(t, `(?m)^svc@1\.1\.0\s+validated\s+sha256:`, hist)
	var hdoc struct {
		Revocations []struct{ Version, Reason string } `json:"revocations"`
	}
	decodeOne(t, mustBake(t, p.Dir, "history", "svc", "-o", "json").stdout, &hdoc)
	require.Len(t, hdoc.Revocations, 1)
	assert.Equal(t, "1.0.0", hdoc.Revocations[0].Version)

	res := bake(t, p.Dir, "approve", "svc@1.1.0", "--env", "dev")
	assert.Equal(t, 2, res.code, res.String())
	assert.Contains(t, res.stderr, `"dev" has no approval gate`)
	assert.NotContains(t, res.stderr, "unknown", "not an unknown name")

	for _, before := range []string{"0", "abc"} {
		res = bake(t, p.Dir, "history", "svc", "--before", before)
		assert.Equal(t, 2, res.code, res.String())
		assert.NotContains(t, res.stderr, "strconv")
		assert.Empty(t, res.stdout)
	}
}

// TestRecoverWhileUnderWayAndHistoryColumns: `bake recover` while another
// bake holds the environment says only that an operation is under way (not
// "nothing was interrupted", not drift); the history table keeps its columns
// aligned under a deployment's reason line.
func TestRecoverWhileUnderWayAndHistoryColumns(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
	p.setHealthyAfter(t, 6*time.Second)
	p.release(t, "1.1.0")

	run, wait := startBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")
	waitForContainer(t, "dev.bake.project="+p.Name, "dev.bake.kind=replica", "dev.bake.version=1.1.0")
	res := bake(t, p.Dir, "recover", "dev")
	assert.Equal(t, 3, res.code, res.String())
	assert.Contains(t, res.stderr, "under way")
	assert.Contains(t, res.stderr, "locked by")
	assert.NotContains(t, res.stdout, "nothing was interrupted")
	assert.NotContains(t, res.stdout, "drift")

	proc, err := os.FindProcess(run.pid)
	require.NoError(t, err)
	require.NoError(t, proc.Signal(syscall.SIGINT))
	assert.Equal(t, 1, wait(), run.stderr.String())
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "qa")

	out := mustBake(t, p.Dir, "history", "svc", "--limit", "5").stdout
	lines := strings.Split(out, "\n")
	header := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "ID ") {
			header = i
		}
	}
	require.GreaterOrEqual(t, header, 0, out)
	col := strings.Index(lines[header], "OUTCOME")
	row := regexp.MustCompile(`^\d+\s`)
	reasons := 0
	rows := 0
	for _, l := range lines[header+1:] {
		switch {
		case row.MatchString(l):
			rows++
			require.Greater(t, len(l), col, out)
			assert.Regexp(t, `^(succeeded|failed)\s`, l[col:], "column OUTCOME in\n%s", out)
		case strings.Contains(l, "reason: "):
			reasons++
		}
	}
	assert.Equal(t, 3, rows, out)
	assert.Equal(t, 1, reasons, out)
}
