package promote

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// A bake that aborts a canary another bake runs (`bake abort`, `bake
// rollback`) can only send that bake a Ctrl-C, which by itself reads as
// "interrupted by Ctrl-C". So before signalling it leaves a note of who
// asked, keyed by the running bake's operation id, in AbortDir; the running
// bake's interrupt path reads it and words the canary's end with it.

// abortNotePath is where the note for operation op lives; "" when there is
// no directory or op could not name a file.
func (d *Engine) abortNotePath(op string) string {
	if d.AbortDir == "" || op == "" || strings.ContainsAny(op, `/\`) || strings.HasPrefix(op, ".") {
		return ""
	}
	return filepath.Join(d.AbortDir, op+".abort")
}

// leaveAbortNote writes why for the bake running operation op; the
// returned func removes it. A note that cannot be written only costs the
// wording ("interrupted by Ctrl-C"), so it is said and not fatal.
func (d *Engine) leaveAbortNote(op, why string, pid int) func() {
	path := d.abortNotePath(op)
	if path == "" {
		return func() {}
	}
	note := fmt.Sprintf("%s from another terminal (pid %d, at %s)", why, os.Getpid(), time.Now().Local().Format(time.TimeOnly))
	err := os.MkdirAll(d.AbortDir, 0o700)
	if err == nil {
		err = os.WriteFile(path, []byte(note+"\n"), 0o600)
	}
	if err != nil {
		d.say("warning: leaving a note of who aborts for the bake running the canary (pid %d): %v; it will say it was interrupted by Ctrl-C", pid, err)
		return func() {}
	}
	return func() { _ = os.Remove(path) }
}

// abortNote is why another bake asked this run to abort its canary, ""
// when none did (a Ctrl-C at its own terminal).
func (d *Engine) abortNote() string {
	path := d.abortNotePath(d.Operation)
	if path == "" {
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return oneLine(string(b))
}
