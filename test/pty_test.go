package e2e

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/stretchr/testify/require"
)

// ptyRun is one bake run on a real pseudo-terminal, as a person at a
// terminal would run it.
type ptyRun struct {
	cmd    *exec.Cmd
	cancel context.CancelFunc
	mu     sync.Mutex
	out    bytes.Buffer // what bake wrote on the terminal
	copied chan struct{}
}

// startPTY starts bake in dir with stdin, stderr and, unless stdout is
// given, stdout on a new 40x120 terminal. env is added to the process's
// environment without NO_COLOR, which a test sets itself when it means to.
func startPTY(t *testing.T, dir string, env []string, stdout io.Writer, args ...string) *ptyRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bakeTimeout)
	cmd := bakeCmd(ctx, dir, append([]string{"TERM=xterm"}, env...), args...)
	kept := cmd.Env[:0]
	for _, kv := range cmd.Env {
		if !strings.HasPrefix(kv, "NO_COLOR=") || slicesContain(env, kv) {
			kept = append(kept, kv)
		}
	}
	cmd.Env = kept
	cmd.Stdout = stdout
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		cancel()
		t.Fatalf("starting bake %s on a terminal: %v", strings.Join(args, " "), err)
	}
	r := &ptyRun{cmd: cmd, cancel: cancel, copied: make(chan struct{})}
	go func() {
		defer close(r.copied)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			r.mu.Lock()
			r.out.Write(buf[:n])
			r.mu.Unlock()
			if err != nil { // EIO once bake has exited and the terminal is closed
				return
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		_ = ptmx.Close()
	})
	return r
}

func slicesContain(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// output is what bake wrote on the terminal so far, escape sequences and all.
func (r *ptyRun) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String()
}

// waitFor waits until the terminal shows s n times.
func (r *ptyRun) waitFor(t *testing.T, s string, n int, within time.Duration) {
	t.Helper()
	require.Eventually(t, func() bool { return strings.Count(r.output(), s) >= n }, within, 50*time.Millisecond,
		"%q never appeared %d times:\n%q", s, n, r.output())
}

// wait waits for bake to exit and everything it wrote, and returns its exit code.
func (r *ptyRun) wait(t *testing.T) int {
	t.Helper()
	err := r.cmd.Wait()
	select {
	case <-r.copied:
	case <-time.After(10 * time.Second):
		t.Fatalf("the terminal's output did not end after bake exited")
	}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode()
	case err != nil:
		t.Fatalf("bake: %v", err)
	}
	return 0
}

// interrupt sends bake SIGINT, as Ctrl-C at the terminal does.
func (r *ptyRun) interrupt(t *testing.T) {
	t.Helper()
	require.NoError(t, r.cmd.Process.Signal(os.Interrupt))
}

var (
	escape  = regexp.MustCompile(`^\x1b\[([0-9;]*)([A-Za-z])`)
	colours = regexp.MustCompile(`\x1b\[[0-9;]*m`)
)

// screen replays what bake wrote on a terminal and returns the lines left
// on it, without colour: it follows carriage returns, line feeds, cursor up,
// cursor home and the clearing of the screen, which is all bake uses.
func screen(raw string) []string {
	var lines []string
	row := 0
	put := func(s string) {
		for len(lines) <= row {
			lines = append(lines, "")
		}
		lines[row] += s
	}
	for len(raw) > 0 {
		if m := escape.FindStringSubmatch(raw); m != nil {
			n, _ := strconv.Atoi(m[1])
			switch m[2] {
			case "A":
				row = max(row-max(n, 1), 0)
			case "H":
				row = 0
			case "J":
				if m[1] == "2" {
					lines, row = nil, 0
				} else if row < len(lines) {
					lines = lines[:row]
				}
			}
			raw = raw[len(m[0]):]
			continue
		}
		switch raw[0] {
		case '\r':
		case '\n':
			row++
		default:
			put(raw[:1])
		}
		raw = raw[1:]
	}
	return lines
}
