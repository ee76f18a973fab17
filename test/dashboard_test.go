package e2e

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/test/browser"
)

// TestDashboard drives `bake ui` in headless Chromium: the page shows what
// each environment runs, a promote made meanwhile appears without a reload,
// a release's page shows its checks, and Ctrl-C stops the server.
func TestDashboard(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{Retention: map[string]string{"dev": "{previous: warm}"}})
	p.release(t, "1.0.0")
	p.release(t, "1.1.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
	mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "qa")

	ui := startUI(t, p.Dir)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	page, closeBrowser, err := browser.New(ctx, 1280, 900)
	require.NoError(t, err)
	defer closeBrowser()

	cellText := func(env string) string {
		s, err := chromedp.Run(page, chromedp.Text(chromedp.CSS(`td.cell[data-env="`+env+`"]`)))
		require.NoError(t, err)
		return s
	}
	require.NoError(t, chromedp.Do(page,
		chromedp.Navigate(ui.url),
		chromedp.WaitVisible(chromedp.CSS(`td.cell[data-env="dev"] .version a`)),
	))
	dev := cellText("dev")
	assert.Contains(t, dev, "svc@1.1.0")
	assert.Contains(t, dev, "warm 1.0.0", "the replaced release is kept warm for rollback")
	assert.Contains(t, dev, "2 running")
	class, err := chromedp.Run(page, chromedp.AttributeValue(chromedp.CSS(`td.cell[data-env="dev"]`), "class"))
	require.NoError(t, err)
	assert.Contains(t, class.Value, "health-healthy", "the front door answered the health check: %s", dev)
	assert.Contains(t, cellText("qa"), "svc@1.0.0")
	assert.Contains(t, cellText("prod"), "nothing recorded")
	history, err := chromedp.Run(page, chromedp.Text(chromedp.CSS(`#history tbody`)))
	require.NoError(t, err)
	assert.Regexp(t, `svc@1\.1\.0 replacing 1\.0\.0\s+dev\s+promote\s+succeeded\s+e2e`, history)
	assert.Contains(t, history, "recorded")

	// A promote made now shows up in place: the page is not reloaded.
	_, err = chromedp.Run(page, chromedp.Evaluate[string](`window.loadedOnce = "yes"`))
	require.NoError(t, err)
	mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "qa")
	_, err = chromedp.Run(page, chromedp.Poll[bool](
		`document.querySelector('td.cell[data-env="qa"] .version').textContent === "svc@1.1.0"`,
		chromedp.WithPollingTimeout(30*time.Second)))
	require.NoError(t, err, "qa never showed svc@1.1.0; it shows %q", cellText("qa"))
	marker, err := chromedp.Run(page, chromedp.Evaluate[string](`window.loadedOnce`))
	require.NoError(t, err)
	assert.Equal(t, "yes", marker, "the page was not reloaded")
	_, err = chromedp.Run(page, chromedp.Poll[bool](
		`document.querySelector('#history tbody tr').textContent.includes("qa")`,
		chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err, "the history's newest entry is the promote to qa")

	// The release's page: its provenance and each check with its output.
	require.NoError(t, chromedp.Do(page,
		chromedp.Click(chromedp.CSS(`td.cell[data-env="qa"] .version a`)),
		chromedp.WaitVisible(chromedp.CSS(`#release tr.check`)),
	))
	checks, err := chromedp.Run(page, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#release tr.check")].map(r => r.innerText)`))
	require.NoError(t, err)
	fields, err := chromedp.Run(page, chromedp.Text(chromedp.CSS(`#release table.fields`)))
	require.NoError(t, err)
	require.Len(t, checks, 2, "%q", checks)
	assert.Regexp(t, `^healthz\s+http\s+passed\s+[0-9.]+s\s+GET .*/healthz answered 200`, checks[0])
	assert.Regexp(t, `^version-flag\s+command\s+passed`, checks[1])
	assert.Contains(t, fields, "runs in\tdev, qa")
	assert.Regexp(t, `digest\s+sha256:[0-9a-f]{64}`, fields)
	assert.Contains(t, fields, "recorded")

	ui.stop(t)
}

// uiServer is a running `bake ui`.
type uiServer struct {
	url    string
	cmd    *exec.Cmd
	stderr *bytes.Buffer
}

// startUI starts `bake ui --port 0` in dir and waits for the line that
// says where it serves.
func startUI(t *testing.T, dir string) *uiServer {
	t.Helper()
	cmd := bakeCmd(context.Background(), dir, nil, "ui", "--port", "0")
	var stdout lockedBuffer
	ui := &uiServer{cmd: cmd, stderr: &bytes.Buffer{}}
	cmd.Stdout, cmd.Stderr = &stdout, ui.stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	at := regexp.MustCompile(`on (http://127\.0\.0\.1:[0-9]+) `)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if m := at.FindStringSubmatch(stdout.String()); m != nil {
			ui.url = m[1]
			return ui
		}
	}
	t.Fatalf("bake ui said nothing of where it serves in 30s; stdout: %q", stdout.String())
	return nil
}

// lockedBuffer is a buffer a process writes to while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// stop interrupts the server as Ctrl-C does and checks that it stops cleanly.
func (ui *uiServer) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, ui.cmd.Process.Signal(os.Interrupt))
	done := make(chan error, 1)
	go func() { done <- ui.cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("bake ui exited %d after Ctrl-C; stderr: %s", exit.ExitCode(), ui.stderr)
		}
		require.NoError(t, err)
		assert.Equal(t, "dashboard stopped", strings.TrimSpace(ui.stderr.String()))
	case <-time.After(15 * time.Second):
		t.Fatalf("bake ui still runs 15s after Ctrl-C; stderr: %s", ui.stderr)
	}
}

// TestUIRefusesNonLoopback checks that `bake ui` serves on loopback only:
// another address is bad input, said in one line, before anything is read.
func TestUIRefusesNonLoopback(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, addr := range []string{"0.0.0.0", "192.0.2.1", "example.com"} {
		res := bake(t, dir, "ui", "--listen", addr)
		assert.Equal(t, 2, res.code, res.String())
		assert.Equal(t, `bake: ui: --listen "`+addr+`": the dashboard serves on loopback only (127.0.0.1 or ::1); reach it from elsewhere through an SSH tunnel`,
			strings.TrimSpace(res.stderr))
		assert.Empty(t, res.stdout)
	}
	res := bake(t, dir, "ui", "--port", "70000", "-o", "json")
	assert.Equal(t, 2, res.code, res.String())
	var doc struct {
		Error struct{ Message string }
	}
	decodeOne(t, res.stdout, &doc)
	assert.Equal(t, "ui: --port 70000: give a port from 0 to 65535", doc.Error.Message)
}
