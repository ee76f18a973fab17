package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// tutorialTimeout bounds the tutorial's commands, run once.
const tutorialTimeout = 30 * time.Minute

// tutorialStep is one command of the tutorial as scripts/demo.sh printed it,
// with when it started, from the start of the demo.
type tutorialStep struct {
	command string
	at      time.Duration
}

// tutorialTable: what a newcomer following docs/tutorial.md waits for, from a
// fresh clone of this repository (its committed HEAD) with the services
// running: make build in the clone, then the tutorial's commands as make
// demo runs them (the clone's scripts/demo.sh), in a fresh directory, until
// prod's front door first answers, and to the end.
func (b *bench) tutorialTable() string {
	if err := os.MkdirAll(b.logs, 0o755); err != nil {
		die("%v", err)
	}
	tmp, err := os.MkdirTemp("", "bake-tutorial-")
	if err != nil {
		die("%v", err)
	}
	b.atExit(func() { _ = os.RemoveAll(tmp) })
	clone, dir := filepath.Join(tmp, "bake"), filepath.Join(tmp, "hello-bake")
	cloned := b.must("tutorial-clone", b.root, "git", "clone", "-q", b.root, clone)
	built := b.must("tutorial-build", clone, "make", "--no-print-directory", "build")
	b.atExit(func() {
		b.timed("tutorial-clean", clone, 2*time.Minute, "go", "run", "./scripts/democlean", dir)
	})

	logf("tutorial: the tutorial's commands in %s", dir)
	steps, took, ok := b.runTutorial(clone, dir)
	if !ok {
		b.failed = append(b.failed, "tutorial: scripts/demo.sh failed (see "+filepath.Join(b.logs, "tutorial-demo.log")+")")
	}
	// prod serves once the tutorial's first `curl -s http://$PROD/` answered:
	// the start of the command after it.
	var serving time.Duration
	for i, s := range steps {
		if strings.HasPrefix(s.command, "curl -s http://$PROD/") && i+1 < len(steps) {
			serving = steps[i+1].at
			break
		}
	}
	var rows strings.Builder
	for i, s := range steps {
		end := took
		if i+1 < len(steps) {
			end = steps[i+1].at
		}
		if strings.HasPrefix(s.command, "bake ") {
			fmt.Fprintf(&rows, "| `%s` | %s |\n", s.command, f((end-s.at).Seconds(), 1))
		}
	}
	newcomer := cloned.S() + built.S() + serving.Seconds()

	var out strings.Builder
	fmt.Fprintf(&out, "### A newcomer's tutorial: docs/tutorial.md from a fresh clone until prod serves\n\n")
	fmt.Fprintf(&out, "| step | s |\n| --- | ---: |\n")
	fmt.Fprintf(&out, "| `git clone` of this repository | %s |\n", f(cloned.S(), 1))
	fmt.Fprintf(&out, "| `make build` in the clone | %s |\n", f(built.S(), 1))
	fmt.Fprintf(&out, "| the tutorial's commands until prod's front door answers | %s |\n", f(serving.Seconds(), 1))
	fmt.Fprintf(&out, "| the whole tutorial (a feature released and promoted, a rollback, the record) | %s |\n", f(took.Seconds(), 1))
	fmt.Fprintf(&out, "| **from the clone to prod serving** | **%s** |\n\n", f(newcomer, 1))
	fmt.Fprintf(&out, "| each bake command of the tutorial | s |\n| --- | ---: |\n%s\n", rows.String())
	fmt.Fprintf(&out, "| goal | target | measured | verdict |\n| --- | --- | --- | --- |\n")
	fmt.Fprintf(&out, "| a newcomer gets prod serving, from a fresh clone, in under 15 minutes | <= 900 s | %s s | %s |\n\n",
		f(newcomer, 1), verdict(f(newcomer, 1), "<=", 900))
	out.WriteString(`The clone is of this repository's committed HEAD, with the services of
scripts/services.sh already running (make demo and make test start them).
The tutorial's commands run as make demo runs them: scripts/demo.sh of the
clone reads the sh blocks of its docs/tutorial.md and runs them, in order,
in a new directory (a project of its own), and the time of each is from
one command's start to the next's. The debian release bakes its root
filesystem with mmdebstrap from Debian's mirror every time. Two caches of
this machine were warm, as they are not on a new one: Go's build cache
(bake's dependencies compiled before: a cold one adds minutes to make
build) and BuildKit's cache (hello's apt-get install of golang-go and the
standard library's compile: minutes more for the first hello release).
`)
	return out.String()
}

// runTutorial runs the clone's scripts/demo.sh in dir and returns each
// command it printed with when it started, and how long it took in all.
func (b *bench) runTutorial(clone, dir string) ([]tutorialStep, time.Duration, bool) {
	logPath := filepath.Join(b.logs, "tutorial-demo.log")
	ctx, cancel := context.WithTimeout(context.Background(), tutorialTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(clone, "scripts", "demo.sh"))
	cmd.Dir = clone
	cmd.Env = append(os.Environ(), "BAKE_BIN="+filepath.Join(clone, "bin", "bake"),
		"BAKE_DEMO_DIR="+dir, "BAKE_DEMO_LOG="+logPath, "BAKE_USER=bench")
	cmd.WaitDelay = 10 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		die("%v", err)
	}
	cmd.Stderr = cmd.Stdout
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		die("starting scripts/demo.sh: %v", err)
	}
	var steps []tutorialStep
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		if c, ok := strings.CutPrefix(lines.Text(), "$ "); ok {
			steps = append(steps, tutorialStep{command: c, at: time.Since(t0)})
		}
	}
	err = cmd.Wait()
	took := time.Since(t0)
	if err != nil {
		logf("tutorial: scripts/demo.sh: %v; the end of %s:", err, logPath)
		fmt.Fprintln(os.Stderr, lastLines(logPath, 10))
	}
	logf("tutorial: %d commands in %.1fs", len(steps), took.Seconds())
	return steps, took, err == nil
}
