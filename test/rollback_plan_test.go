package e2e

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rollbackPlanDoc is `bake rollback --plan -o json`.
type rollbackPlanDoc struct {
	Image      string `json:"image"`
	Env        string `json:"env"`
	Current    string `json:"current"`
	Target     string `json:"target"`
	Start      string `json:"start"`
	Unchanged  bool   `json:"unchanged"`
	Candidates []struct {
		Version string `json:"version"`
		By      string `json:"by"`
		Default bool   `json:"default"`
	} `json:"candidates"`
	Actions *struct {
		Steps []string `json:"steps"`
	} `json:"actions"`
}

// TestRollbackPlanChangesNothing: `rollback --plan` says which release a
// rollback goes back to, replacing which, warm or cold, and changes
// nothing: not the record, not the replicas, not what the front door serves.
func TestRollbackPlanChangesNothing(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{Retention: map[string]string{"qa": "{previous: warm}"}})
	p.release(t, "1.0.0")
	p.release(t, "1.1.0")
	for _, v := range []string{"1.0.0", "1.1.0"} {
		for _, env := range []string{"dev", "qa"} {
			mustBake(t, p.Dir, "promote", "svc@"+v, "--to", env)
		}
	}
	before := history(t, p, "")
	replicas := map[string]any{"dev": envStatusOf(t, p, "dev").Replicas, "qa": envStatusOf(t, p, "qa").Replicas}

	for env, start := range map[string]string{"dev": "stopped", "qa": "warm"} {
		res := mustBake(t, p.Dir, "rollback", "svc", "--env", env, "--plan")
		assert.Contains(t, res.stdout, "plan: roll svc in "+env+" back to 1.0.0 (now 1.1.0)")
		assert.Contains(t, res.stdout, "start: "+start)
		assert.Regexp(t, `(?m)^\s+->\s+1\.0\.0\s+\S+ \S+\s+e2e\s+\(default\)$`, res.stdout)

		var doc rollbackPlanDoc
		decodeOne(t, mustBake(t, p.Dir, "rollback", "svc", "--env", env, "--plan", "-o", "json").stdout, &doc)
		assert.Equal(t, "1.1.0", doc.Current)
		assert.Equal(t, "1.0.0", doc.Target)
		assert.Equal(t, start, doc.Start, env)
		assert.False(t, doc.Unchanged)
		require.Len(t, doc.Candidates, 1)
		assert.True(t, doc.Candidates[0].Default)
		require.NotNil(t, doc.Actions)
		assert.NotEmpty(t, doc.Actions.Steps)
	}
	// A plan for an explicit version that already runs says nothing changes.
	res := mustBake(t, p.Dir, "rollback", "svc@1.1.0", "--env", "dev", "--plan")
	assert.Contains(t, res.stdout, "none: dev already runs svc@1.1.0")

	assert.Equal(t, before, history(t, p, ""), "a plan records nothing")
	for _, env := range []string{"dev", "qa"} {
		assert.Equal(t, replicas[env], envStatusOf(t, p, env).Replicas, "a plan touches no replica of %s", env)
		assertServes(t, p, env, "1.1.0")
	}
}

// TestRollbackAsksOnATerminal: without a version, a rollback on a terminal
// shows the releases it chooses from (when each ran there, by whom, the one
// it takes marked) and goes ahead only on yes; on a pipe it refuses
// without --yes, in one line, and records nothing.
func TestRollbackAsksOnATerminal(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0"} {
		p.release(t, v)
		mustBake(t, p.Dir, "promote", "svc@"+v, "--to", "dev")
	}
	before := history(t, p, "")

	t.Run("on a pipe, refused without --yes", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), bakeTimeout)
		defer cancel()
		cmd := bakeCmd(ctx, p.Dir, nil, "rollback", "svc", "--env", "dev")
		cmd.Stdin = strings.NewReader("y\n")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit)
		assert.Equal(t, 2, exit.ExitCode())
		assert.Equal(t, 1, strings.Count(stderr.String(), "\n"), "one line: %s", stderr.String())
		assert.Contains(t, stderr.String(), "confirmation needed and stdin is not a terminal: pass --yes to go ahead")
		assert.Equal(t, before, history(t, p, ""), "nothing recorded")
	})

	t.Run("on a terminal, no keeps what runs", func(t *testing.T) {
		out, code := rollbackOnPTY(t, p, "n")
		assert.Equal(t, 1, code, out)
		assert.Contains(t, out, "not confirmed; nothing was changed")
		assert.Equal(t, before, history(t, p, ""), "nothing recorded")
		assertServes(t, p, "dev", "1.2.0")
	})

	t.Run("on a terminal, yes rolls back to the one marked", func(t *testing.T) {
		out, code := rollbackOnPTY(t, p, "y")
		assert.Equal(t, 0, code, out)
		assert.Contains(t, out, "rolled back svc in dev to 1.1.0 (was 1.2.0)")
		assertServes(t, p, "dev", "1.1.0")
	})
}

// rollbackOnPTY runs `bake rollback svc --env dev` on a pseudo-terminal,
// waits for its question, checks the candidates shown above it, answers
// answer, and returns all the terminal showed and the exit code.
func rollbackOnPTY(t *testing.T, p *project, answer string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bakeTimeout)
	defer cancel()
	cmd := bakeCmd(ctx, p.Dir, nil, "rollback", "svc", "--env", "dev")
	tty, err := pty.Start(cmd)
	require.NoError(t, err)
	defer tty.Close()

	var shown strings.Builder
	r := bufio.NewReader(io.TeeReader(tty, &shown))
	question := make(chan error, 1)
	go func() {
		for !strings.HasSuffix(shown.String(), "[y/N] ") {
			if _, err := r.ReadByte(); err != nil {
				question <- err
				return
			}
		}
		question <- nil
	}()
	select {
	case err := <-question:
		require.NoError(t, err, "the terminal showed:\n%s", shown.String())
	case <-time.After(time.Minute):
		t.Fatalf("no question within a minute; the terminal showed:\n%s", shown.String())
	}
	asked := shown.String()
	assert.Contains(t, asked, `svc in "dev" runs 1.2.0; it can go back to:`)
	assert.Regexp(t, `(?m)^\s+->\s+1\.1\.0\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+e2e\s+\(default\)\r?$`, asked)
	assert.Regexp(t, `(?m)^\s+1\.0\.0\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+e2e\s*\r?$`, asked)
	assert.Contains(t, asked, `bake rollback: roll svc in "dev" back from 1.2.0 to 1.1.0? [y/N] `)

	_, err = tty.Write([]byte(answer + "\n"))
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, r) // the rest, until bake exits and the terminal closes
	err = cmd.Wait()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else {
		require.NoError(t, err)
	}
	t.Logf("bake rollback on a terminal, answering %q: exit %d\n%s", answer, code, shown.String())
	return shown.String(), code
}
