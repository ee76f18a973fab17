package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLiveView runs promote and rollback on a real terminal: one line per
// step redrawn in place, the watch counting down, a summary line, colour
// unless NO_COLOR is set; with -o json the progress stays JSON lines.
func TestLiveView(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{Target: "watch: 3s"})
	p.release(t, "1.0.0")
	p.release(t, "1.1.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")

	t.Run("promote", func(t *testing.T) {
		run := startPTY(t, p.Dir, nil, nil, "promote", "svc@1.1.0", "--to", "dev")
		code := run.wait(t)
		raw := run.output()
		require.Equal(t, 0, code, "%q", raw)
		assert.Regexp(t, `\x1b\[\d+A`, raw, "the frame is redrawn in place")
		assert.Contains(t, raw, "\x1b[32m✓", "green marks on a terminal")
		assert.Regexp(t, `svc@1\.1\.0 healthy so far, [0-3]s left of 3s`, raw, "the watch counts down")

		lines := screen(raw)
		summary := indexOf(lines, `✓ promote svc@1.1.0 to "dev": done in `)
		require.GreaterOrEqual(t, summary, 0, "summary line:\n%s", strings.Join(lines, "\n"))
		assertSteps(t, lines[:summary], "started", "healthy", "switched", "watch", "draining", "retired")
		assert.Contains(t, lines[summary+1], "promoted svc in dev to 1.1.0 (was 1.0.0)",
			"the result comes under the view:\n%s", strings.Join(lines, "\n"))
		assertServes(t, p, "dev", "1.1.0")
	})

	t.Run("rollback with NO_COLOR", func(t *testing.T) {
		run := startPTY(t, p.Dir, []string{"NO_COLOR=1"}, nil, "rollback", "svc", "--env", "dev", "--yes")
		code := run.wait(t)
		raw := run.output()
		require.Equal(t, 0, code, "%q", raw)
		assert.NotRegexp(t, colours, raw, "no colour with NO_COLOR")
		assert.Regexp(t, `\x1b\[\d+A`, raw, "still a live view")
		lines := screen(raw)
		summary := indexOf(lines, `✓ rollback svc in "dev": done in `)
		require.GreaterOrEqual(t, summary, 0, strings.Join(lines, "\n"))
		assertSteps(t, lines[:summary], "started", "healthy", "switched", "watch", "retired")
		assert.Contains(t, lines[summary+1], "rolled back svc in dev to 1.0.0 (was 1.1.0)")
		assertServes(t, p, "dev", "1.0.0")
	})

	t.Run("promote -o json keeps JSON lines", func(t *testing.T) {
		mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "qa")
		var stdout bytes.Buffer
		run := startPTY(t, p.Dir, nil, &stdout, "promote", "svc@1.1.0", "--to", "qa", "-o", "json")
		code := run.wait(t)
		raw := run.output()
		require.Equal(t, 0, code, "%q", raw)
		assert.NotContains(t, raw, "\x1b", "no escape sequence with -o json")
		var events int
		var steps []string // each step once, in the order they came, with its state
		for _, line := range strings.Split(strings.TrimSpace(strings.ReplaceAll(raw, "\r", "")), "\n") {
			var ev struct{ Event, Text, State string }
			require.NoError(t, json.Unmarshal([]byte(line), &ev), "a progress line that is no JSON: %q", line)
			events++
			if ev.Event != "step" {
				continue
			}
			var step struct{ Phase string }
			require.NoError(t, json.Unmarshal([]byte(line), &step), "a step event names its phase: %q", line)
			if name := strings.TrimSpace(step.Phase + " " + ev.State); len(steps) == 0 || steps[len(steps)-1] != name {
				steps = append(steps, name)
			}
		}
		assert.Greater(t, events, 3)
		assert.Equal(t, []string{"started", "healthy", "switched", "watch begins", "watch", "draining begins", "draining", "retired"}, steps,
			"the steps come marked, not to be read from the text:\n%s", raw)
		var res struct{ Deployment struct{ Version, Env string } }
		decodeOne(t, stdout.String(), &res)
		assert.Equal(t, "1.1.0", res.Deployment.Version)
		assertServes(t, p, "qa", "1.1.0")
	})

	t.Run("promote interrupted by Ctrl-C", func(t *testing.T) {
		run := startPTY(t, p.Dir, nil, nil, "promote", "svc@1.1.0", "--to", "prod")
		run.waitFor(t, "healthy so far", 1, time.Minute)
		run.interrupt(t)
		code := run.wait(t)
		raw := run.output()
		assert.NotEqual(t, 0, code, "%q", raw)
		lines := screen(raw)
		summary := indexOf(lines, `! promote svc@1.1.0 to "prod": interrupted after `)
		require.GreaterOrEqual(t, summary, 0, strings.Join(lines, "\n"))
		assert.Equal(t, 1, countPrefix(lines[:summary], "! watch "), "the watch was cut short:\n%s", strings.Join(lines, "\n"))
		assert.Contains(t, strings.Join(lines[summary+1:], "\n"), "bake: interrupted while watching svc@1.1.0",
			"the error comes under the view")
	})

	t.Run("status --watch until Ctrl-C", func(t *testing.T) {
		run := startPTY(t, p.Dir, nil, nil, "status", "--watch", "--interval", "1s")
		run.waitFor(t, "bake status every 1s at ", 3, 30*time.Second)
		run.interrupt(t)
		code := run.wait(t)
		raw := run.output()
		assert.Equal(t, 0, code, "Ctrl-C ends a watch with exit 0: %q", raw)
		assert.GreaterOrEqual(t, strings.Count(raw, "\x1b[H\x1b[2J"), 3, "each refresh redraws the screen")
		lines := screen(raw)
		require.NotEmpty(t, lines)
		assert.Contains(t, lines[0], "bake status every 1s at ", "one refresh on the screen:\n%s", strings.Join(lines, "\n"))
		assert.Equal(t, 1, countPrefix(lines, "svc"), "the matrix once:\n%s", strings.Join(lines, "\n"))
		assert.Equal(t, 1, countPrefix(lines, "  dev "), strings.Join(lines, "\n"))
		assert.NotContains(t, raw, "bake: ", "no error on Ctrl-C")
	})

	t.Run("status --watch -o json off a terminal", func(t *testing.T) {
		var stdout, stderr syncBuffer
		cmd := bakeCmd(t.Context(), p.Dir, nil, "status", "svc", "--watch", "--interval", "1s", "-o", "json")
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		require.NoError(t, cmd.Start())
		require.Eventually(t, func() bool { return strings.Count(stdout.String(), "\n") >= 2 }, 30*time.Second, 50*time.Millisecond)
		require.NoError(t, cmd.Process.Signal(os.Interrupt))
		require.NoError(t, cmd.Wait(), "exit 0 on Ctrl-C: %s", stderr.String())
		docs := strings.Split(strings.TrimSpace(stdout.String()), "\n")
		require.GreaterOrEqual(t, len(docs), 2)
		for _, doc := range docs {
			var status struct {
				Schema string
				Images []struct {
					Image        string
					Environments []struct{ Env, Version string }
				}
			}
			require.NoError(t, json.Unmarshal([]byte(doc), &status), "one JSON document per line: %q", doc)
			assert.Equal(t, "bake.status/v1", status.Schema, "the document of `bake status -o json`")
			require.Len(t, status.Images, 1)
			assert.Equal(t, "svc", status.Images[0].Image)
		}
	})

	t.Run("status --watch plain off a terminal", func(t *testing.T) {
		var stdout, stderr syncBuffer
		cmd := bakeCmd(t.Context(), p.Dir, nil, "status", "--watch", "--interval", "1s")
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		require.NoError(t, cmd.Start())
		require.Eventually(t, func() bool { return strings.Count(stdout.String(), "latest release: 1.1.0") >= 2 },
			30*time.Second, 50*time.Millisecond)
		require.NoError(t, cmd.Process.Signal(os.Interrupt))
		require.NoError(t, cmd.Wait(), "exit 0 on Ctrl-C: %s", stderr.String())
		out := stdout.String()
		assert.NotContains(t, out, "\x1b", "no escape sequence off a terminal")
		assert.Contains(t, out, "\n\nbake status at ", "refreshes one under the other, a blank line between")
	})

	t.Run("bad watch flags", func(t *testing.T) {
		for _, args := range [][]string{
			{"status", "--watch", "--check"},
			{"status", "--interval", "5s"},
			{"status", "--watch", "--interval", "10ms"},
		} {
			res := bake(t, p.Dir, args...)
			assert.Equal(t, 2, res.code, res.String())
			assert.Equal(t, 1, strings.Count(strings.TrimSpace(res.stderr), "\n")+1, "one line: %s", res.stderr)
		}
	})
}

// assertSteps checks that the screen shows each step exactly once, done,
// in order.
func assertSteps(t *testing.T, lines []string, steps ...string) {
	t.Helper()
	last := -1
	for _, step := range steps {
		i := indexOf(lines, "✓ "+step+" ")
		assert.Greater(t, i, last, "step %q in order, done:\n%s", step, strings.Join(lines, "\n"))
		assert.Equal(t, 1, countPrefix(lines, "✓ "+step+" "), "step %q once:\n%s", step, strings.Join(lines, "\n"))
		last = i
	}
}

func indexOf(lines []string, prefix string) int {
	for i, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return i
		}
	}
	return -1
}

func countPrefix(lines []string, prefix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}
