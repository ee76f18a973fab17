// Command progress turns `go test -json` into short lines while the tests
// run: one line per package, as `go test` prints it, and, for the packages
// whose tests take minutes (the end-to-end package), one line per top-level
// test as it finishes. A failed test's output is printed in full when it
// fails; when nothing finished for a while, it says which tests still run.
// It ends with the slowest tests and exits 1 when anything failed.
//
// usage: go test -json ./... | go run ./test/progress [-each REGEXP] [-idle DURATION] [-slowest N]
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Time       time.Time
	Action     string
	Package    string
	ImportPath string // build-output and build-fail
	Test       string
	Elapsed    float64
	Output     string
}

// test is one test seen running.
type test struct {
	started time.Time
	paused  bool // by t.Parallel, until a slot is free
	output  []string
}

// finished is a top-level test that ended.
type finished struct {
	pkg, name string
	elapsed   float64
}

type report struct {
	mu      sync.Mutex
	out     io.Writer
	each    *regexp.Regexp
	label   string
	running map[string]*test // by package + " " + test name, subtests included
	pkgOut  map[string][]string
	done    []finished
	failed  bool
	// failures names what failed, for the last line: the end of a long
	// run's output is what a CI log shows.
	failures []string
	last     time.Time // when the last line was printed
}

func main() {
	each := flag.String("each", `/test$`, "print a line per finished top-level test of the packages matching `REGEXP`")
	label := flag.String("label", "e2e", "what those lines start with")
	idle := flag.Duration("idle", time.Minute, "after this long without a line, say which tests still run")
	slowest := flag.Int("slowest", 8, "list the `N` slowest top-level tests at the end")
	flag.Parse()
	re, err := regexp.Compile(*each)
	if err != nil {
		fmt.Fprintln(os.Stderr, "progress: -each:", err)
		os.Exit(2)
	}
	r := newReport(os.Stdout, re, *label)

	stop := make(chan struct{})
	go func() {
		tick := time.NewTicker(*idle / 4)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case now := <-tick.C:
				r.heartbeat(now, *idle)
			}
		}
	}()
	err = r.read(os.Stdin)
	close(stop)
	if err != nil {
		fmt.Fprintln(os.Stderr, "progress: reading go test -json:", err)
		os.Exit(1)
	}
	r.summary(*slowest)
	if r.failed {
		os.Exit(1)
	}
}

func newReport(out io.Writer, each *regexp.Regexp, label string) *report {
	return &report{out: out, each: each, label: label, running: map[string]*test{}, pkgOut: map[string][]string{},
		last: time.Now()}
}

// read handles the events of in until it ends.
func (r *report) read(in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			// Not an event: go test's own messages (a build failure in older
			// Go versions, a vet error). Pass them on.
			r.mu.Lock()
			r.printf("%s\n", line)
			r.mu.Unlock()
			continue
		}
		r.handle(e)
	}
	return sc.Err()
}

// printf prints a line; the caller holds r.mu.
func (r *report) printf(format string, args ...any) {
	fmt.Fprintf(r.out, format, args...)
	r.last = time.Now()
}

func (r *report) handle(e event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch e.Action {
	case "build-output":
		r.printf("%s", e.Output)
		return
	case "build-fail":
		r.failed = true
		return
	}
	if e.Test == "" {
		r.packageEvent(e)
		return
	}
	key := e.Package + " " + e.Test
	switch e.Action {
	case "run":
		r.running[key] = &test{started: e.Time}
	case "pause", "cont":
		if t := r.running[key]; t != nil {
			t.paused = e.Action == "pause"
			t.started = e.Time
		}
	case "output":
		if t := r.running[key]; t != nil {
			t.output = append(t.output, e.Output)
		}
	case "pass", "fail", "skip":
		t := r.running[key]
		delete(r.running, key)
		top := !strings.Contains(e.Test, "/")
		if e.Action == "fail" {
			r.failed = true
			r.printf("--- FAIL: %s (%.1fs) in %s\n", e.Test, e.Elapsed, e.Package)
			if top {
				r.failures = append(r.failures, e.Test)
			}
			if t != nil && top {
				// A subtest's output is part of its parent's: print it once.
				r.printf("%s", strings.Join(t.output, ""))
			}
		}
		if !top {
			if t != nil && e.Action == "fail" {
				// The parent prints its own output; keep the subtest's with it.
				if parent := r.running[e.Package+" "+e.Test[:strings.Index(e.Test, "/")]]; parent != nil {
					parent.output = append(parent.output, t.output...)
				}
			}
			return
		}
		r.done = append(r.done, finished{pkg: e.Package, name: e.Test, elapsed: e.Elapsed})
		if r.each.MatchString(e.Package) && e.Action != "fail" {
			r.printf("%s %-4s %s (%.1fs)%s\n", r.label, verdict(e.Action), e.Test, e.Elapsed, r.stillRunning(e.Package))
		}
	}
}

// packageEvent handles what belongs to a package, not a test.
func (r *report) packageEvent(e event) {
	switch e.Action {
	case "start":
		if r.each.MatchString(e.Package) {
			r.printf("%s: started; a line per test as it ends\n", e.Package)
		}
	case "output":
		r.pkgOut[e.Package] = append(r.pkgOut[e.Package], e.Output)
	case "pass":
		r.printf("ok   %s %.1fs\n", e.Package, e.Elapsed)
		delete(r.pkgOut, e.Package)
	case "skip":
		delete(r.pkgOut, e.Package)
	case "fail":
		r.failed = true
		// What the package printed outside its tests: a panic, a timeout,
		// TestMain's own error, the final FAIL line.
		r.printf("%s", strings.Join(r.pkgOut[e.Package], ""))
		why := panicLine(r.pkgOut[e.Package])
		var unfinished []string
		for key, t := range r.running {
			name, ok := strings.CutPrefix(key, e.Package+" ")
			if ok && !strings.Contains(name, "/") {
				unfinished = append(unfinished, name)
				if why == "" {
					why = panicLine(t.output)
				}
				r.printf("--- unfinished: %s (running %s)\n%s", name,
					e.Time.Sub(t.started).Round(time.Second), strings.Join(t.output, ""))
			}
		}
		r.printf("FAIL %s %.1fs\n", e.Package, e.Elapsed)
		if why != "" || len(unfinished) > 0 {
			sort.Strings(unfinished)
			r.failures = append(r.failures, fmt.Sprintf("%s (%s; unfinished: %s)", path.Base(e.Package),
				orDefault(why, "ended early"), orDefault(strings.Join(unfinished, ", "), "none")))
		}
		delete(r.pkgOut, e.Package)
	}
}

// name is how lines about pkg start.
func (r *report) name(pkg string) string {
	if r.each.MatchString(pkg) {
		return r.label
	}
	return path.Base(pkg)
}

// stillRunning is ", N running" for a package's top-level tests in flight.
func (r *report) stillRunning(pkg string) string {
	n := len(r.runningIn(pkg))
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(", %d running", n)
}

// runningIn lists the top-level tests of pkg in flight, longest first.
func (r *report) runningIn(pkg string) []string {
	type run struct {
		name    string
		started time.Time
	}
	var runs []run
	for key, t := range r.running {
		name, ok := strings.CutPrefix(key, pkg+" ")
		if ok && !strings.Contains(name, "/") && !t.paused {
			runs = append(runs, run{name, t.started})
		}
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].started.Before(runs[j].started) })
	names := make([]string, len(runs))
	for i, x := range runs {
		names[i] = fmt.Sprintf("%s (%s)", x.name, time.Since(x.started).Round(time.Second))
	}
	return names
}

// heartbeat says which tests run when nothing was printed for idle.
func (r *report) heartbeat(now time.Time, idle time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Sub(r.last) < idle {
		return
	}
	pkgs := map[string]bool{}
	for key := range r.running {
		pkg, _, _ := strings.Cut(key, " ")
		pkgs[pkg] = true
	}
	var lines []string
	for pkg := range pkgs {
		if names := r.runningIn(pkg); len(names) > 0 {
			lines = append(lines, fmt.Sprintf("%s: still running %s\n", r.name(pkg), strings.Join(names, ", ")))
		}
	}
	sort.Strings(lines)
	if len(lines) == 0 {
		r.last = now
		return
	}
	r.printf("%s", strings.Join(lines, ""))
}

// panicLine is the first line of a panic in out (a timeout is one), without
// its "panic: " prefix, or "".
func panicLine(out []string) string {
	for _, l := range out {
		if rest, ok := strings.CutPrefix(l, "panic: "); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// summary lists the slowest top-level tests, then what failed.
func (r *report) summary(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	defer func() {
		if len(r.failures) > 0 {
			r.printf("failed: %s\n", strings.Join(r.failures, ", "))
		}
	}()
	if n <= 0 || len(r.done) == 0 {
		return
	}
	sort.SliceStable(r.done, func(i, j int) bool { return r.done[i].elapsed > r.done[j].elapsed })
	if len(r.done) > n {
		r.done = r.done[:n]
	}
	parts := make([]string, len(r.done))
	for i, f := range r.done {
		parts[i] = fmt.Sprintf("%s %.0fs", f.name, f.elapsed)
	}
	r.printf("slowest: %s\n", strings.Join(parts, ", "))
}

func verdict(action string) string {
	switch action {
	case "pass":
		return "ok"
	case "skip":
		return "skip"
	}
	return "FAIL"
}
