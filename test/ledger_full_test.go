package e2e

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ledgerOnTmpfs moves the project's ledger onto a small tmpfs of its own,
// unmounted when the test ends.
func ledgerOnTmpfs(t *testing.T, p *project) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := filepath.Join(p.Dir, "state")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", dir).CombinedOutput()
	require.NoError(t, err, "mount: %s", out)
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	cfg, err := os.ReadFile(p.ConfigPath())
	require.NoError(t, err)
	require.Contains(t, string(cfg), "ledger: ledger.db\n")
	writeFile(t, p.ConfigPath(), strings.Replace(string(cfg), "ledger: ledger.db\n", "ledger: state/ledger.db\n", 1))
	return dir
}

// fillDisk writes dir/filler until the file system under dir is full.
func fillDisk(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "filler"))
	require.NoError(t, err)
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			require.ErrorIs(t, err, syscall.ENOSPC)
			return
		}
	}
}

// runUntil runs bake and calls act with its process once, right after it
// printed a line matching line; it returns the exit code and everything
// bake printed.
func runUntil(t *testing.T, dir string, line *regexp.Regexp, act func(*os.Process), args ...string) (int, string) {
	t.Helper()
	return runActing(t, dir, line.MatchString, func(p *os.Process) string { act(p); return "" }, args...)
}

// runActing runs bake and calls act with its process once: right after
// it printed the first line at accepts, or right after it started when at
// is nil. It returns the exit code and everything bake printed, both
// streams interleaved, with the line act returns (if any) where it acted.
func runActing(t *testing.T, dir string, at func(line string) bool, act func(*os.Process) string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bakeTimeout)
	defer cancel()
	cmd := bakeCmd(ctx, dir, nil, args...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	lines := make(chan string, 64)
	var wg sync.WaitGroup
	for _, r := range []io.Reader{stdout, stderr} {
		wg.Go(func() {
			sc := bufio.NewScanner(r)
			for sc.Scan() {
				lines <- sc.Text()
			}
		})
	}
	go func() { wg.Wait(); close(lines) }()
	require.NoError(t, cmd.Start())
	var out strings.Builder
	acted := false
	doAct := func() {
		acted = true
		if note := act(cmd.Process); note != "" {
			out.WriteString(note + "\n")
		}
	}
	if at == nil {
		doAct()
	}
	for l := range lines {
		out.WriteString(l + "\n")
		if !acted && at(l) {
			doAct()
		}
	}
	err = cmd.Wait()
	require.True(t, acted, "bake never printed the line to act on:\n%s", out.String())
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), out.String()
	}
	require.NoError(t, err)
	return 0, out.String()
}

// TestLedgerFullAfterTheSwitch: when the disk under the ledger fills up
// while a promote deploys, bake switches traffic back to the release the
// ledger records as serving and says the disk is full and what to do;
// `bake recover` refuses to change anything while it still cannot write,
// and settles the interrupted promote once it can.
func TestLedgerFullAfterTheSwitch(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	state := ledgerOnTmpfs(t, p)
	p.release(t, "1.0.0")
	p.release(t, "1.1.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")

	code, out := runUntil(t, p.Dir, regexp.MustCompile(`started bake-`), func(*os.Process) { fillDisk(t, state) },
		"promote", "svc@1.1.0", "--to", "dev")
	t.Log(out)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "is full")
	assert.Contains(t, out, "free space there")
	assert.Contains(t, out, "switched back to 1.0.0")
	assert.Contains(t, out, "bake recover dev")
	assert.NotContains(t, out, "recording deployment of", "no doubled prefix")
	assert.Equal(t, 1, strings.Count(out[strings.LastIndex(out, "bake: "):], "recording it failed"), "one cause, said once")
	assertServes(t, p, "dev", "1.0.0")

	res := bake(t, p.Dir, "recover", "dev")
	assert.Equal(t, 1, res.code, res.String())
	assert.Contains(t, res.stderr, "is full")
	assert.Contains(t, res.stderr, "nothing was changed")
	assertServes(t, p, "dev", "1.0.0")

	require.NoError(t, os.Remove(filepath.Join(state, "filler")))
	res = mustBake(t, p.Dir, "recover", "dev")
	assert.Contains(t, res.stdout, "undid the interrupted promote of svc@1.1.0 in dev: 1.0.0 serves")
	assertServes(t, p, "dev", "1.0.0")
	assertStatus(t, p, "dev", "1.0.0")
	mustBake(t, p.Dir, "status", "--check")
	assert.Equal(t, "failed", history(t, p, "dev").Deployments[0].Outcome)
}
