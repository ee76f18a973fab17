package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLogs: `bake logs` shows what the replicas running an environment's
// release wrote, stdout and stderr, each line prefixed by its replica;
// -f follows new lines until SIGINT, then exits 0; names it does not know
// are one line and exit 2.
func TestLogs(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")

	for _, args := range [][]string{
		{"logs", "svc", "--env", "nowhere"},
		{"logs", "nothing", "--env", "dev"},
		{"logs", "svc", "--env", "dev"}, // nothing runs there yet
		{"logs", "svc", "--env", "dev", "--since", "soon"},
		{"logs", "svc"},
	} {
		res := bake(t, p.Dir, args...)
		assert.Equal(t, 2, res.code, res.String())
		assert.Equal(t, 1, strings.Count(res.stderr, "\n"), "one line: %s", res.stderr)
	}

	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
	var names []string
	for _, r := range envStatusOf(t, p, "dev").Replicas {
		if r.Running {
			names = append(names, regexp.QuoteMeta(r.Name))
		}
	}
	require.Len(t, names, 2)
	replica := "(?:" + strings.Join(names, "|") + ")"

	out := mustBake(t, p.Dir, "logs", "svc", "--env", "dev").stdout
	lines := regexp.MustCompile(`(?m)^`+replica+` \| svc 1\.0\.0 listening on :8080$`).FindAllString(out, -1)
	assert.Len(t, lines, 2, "each replica's first line, prefixed by its name:\n%s", out)
	assert.NotEqual(t, strings.Split(lines[0], " | ")[0], strings.Split(lines[1], " | ")[0], "two replicas")
	assert.Empty(t, mustBake(t, p.Dir, "logs", "svc", "--env", "dev", "--tail", "0").stdout)
	res := bake(t, p.Dir, "logs", "svc", "--env", "dev", "--tail", "-5")
	assert.Equal(t, 2, res.code, "a negative tail is bad input, not every line: %s", res.String())
	assert.Empty(t, res.stdout)
	assert.Equal(t, 1, strings.Count(res.stderr, "\n"), "one line: %s", res.stderr)
	assert.Contains(t, res.stderr, "--tail -5")
	help := mustBake(t, p.Dir, "logs", "--help").stdout
	assert.Regexp(t, `--tail int +only the last N lines of each replica \(default: all\)\n`, help, "the default is said once")

	t.Run("follow until SIGINT", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), bakeTimeout)
		defer cancel()
		cmd := bakeCmd(ctx, p.Dir, nil, "logs", "svc", "--env", "dev", "-f")
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())
		shown := make(chan string, 100)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				shown <- sc.Text()
			}
			close(shown)
		}()
		waitFor := func(re *regexp.Regexp) {
			t.Helper()
			deadline := time.After(time.Minute)
			for {
				select {
				case l, ok := <-shown:
					require.True(t, ok, "bake logs -f ended before a line matched %s; stderr: %s", re, stderr.String())
					if re.MatchString(l) {
						return
					}
				case <-deadline:
					t.Fatalf("no line matched %s within a minute; stderr: %s", re, stderr.String())
				}
			}
		}
		waitFor(regexp.MustCompile(`^` + replica + ` \| svc 1\.0\.0 listening on :8080$`))
		marker := "followed-" + randomHex(t, 4)
		code, body := get(t, p.url("dev", "/log?msg="+marker))
		require.Equal(t, 200, code, body)
		waitFor(regexp.MustCompile(`^` + replica + ` \| ` + marker + `$`))

		require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
		err = cmd.Wait()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("bake logs -f exited %d on SIGINT; stderr: %s", exit.ExitCode(), stderr.String())
		}
		require.NoError(t, err)
		assert.Empty(t, stderr.String())

		// The line came on stderr, and -o json says so, one document a line.
		out := mustBake(t, p.Dir, "logs", "svc", "--env", "dev", "--since", "5m", "-o", "json").stdout
		found := false
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			var doc struct {
				Schema, Replica, Stream, Text string
				Time                          time.Time
			}
			require.NoError(t, json.Unmarshal([]byte(l), &doc), l)
			assert.Equal(t, "bake.log-line/v1", doc.Schema)
			assert.Regexp(t, `^`+replica+`$`, doc.Replica)
			assert.False(t, doc.Time.IsZero())
			if doc.Text == marker {
				found = true
				assert.Equal(t, "stderr", doc.Stream)
			}
		}
		assert.True(t, found, "the marker line is in:\n%s", out)
	})
}
