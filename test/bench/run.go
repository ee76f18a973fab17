package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// logf prints a progress line on stderr.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

// fatal is a failure the bench cannot continue after; main reports it and
// exits 1 once the cleanups ran.
type fatal struct{ msg string }

func (f fatal) Error() string { return f.msg }

// die stops the bench: the deferred cleanups run and main exits 1.
func die(format string, args ...any) {
	panic(fatal{fmt.Sprintf(format, args...)})
}

// op is one timed command.
type op struct {
	Took time.Duration
	OK   bool
	Log  string // the file with its output
}

// S is the duration in seconds.
func (o op) S() float64 { return o.Took.Seconds() }

// runner runs the commands the bench times, with their output in its log
// directory, and keeps the list of those that failed.
type runner struct {
	bake   string
	logs   string
	env    []string // added to every command's environment
	failed []string
}

// timed runs argv in dir with its output in LOGS/NAME.log, for at most
// limit. It never fails: the caller decides what a failure means.
func (r *runner) timed(name, dir string, limit time.Duration, argv ...string) op {
	o, _ := r.timedExits(name, dir, limit, []int{0}, argv...)
	return o
}

// timedExits is timed for a command whose exit codes in accept are all
// measurements (a canary that aborts exits 1): any other exit is a
// failure. It returns the exit code too (-1 when it did not run).
func (r *runner) timedExits(name, dir string, limit time.Duration, accept []int, argv ...string) (op, int) {
	logPath := filepath.Join(r.logs, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		die("%s: %v", name, err)
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), r.env...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	t0 := time.Now()
	err = cmd.Run()
	o := op{Took: time.Since(t0), OK: err == nil, Log: logPath}
	exitCode := -1
	if cmd.ProcessState != nil {
		exitCode = cmd.ProcessState.ExitCode()
	}
	switch {
	case exitCode >= 0 && slices.Contains(accept, exitCode):
		o.OK, err = true, nil
	case err == nil:
		o.OK, err = false, fmt.Errorf("exit status 0, want one of %v", accept)
	}
	if err != nil {
		shown := strings.Join(argv, " ")
		if argv[0] == r.bake {
			shown = strings.Join(argv[1:], " ")
		}
		code := "did not run: " + err.Error()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = fmt.Sprintf("exited %d", exit.ExitCode())
		}
		r.failed = append(r.failed, fmt.Sprintf("%s: `%s` %s (see %s)", name, shown, code, logPath))
		logf("%s failed (%s); last lines of %s:", name, code, logPath)
		fmt.Fprintln(os.Stderr, lastLines(logPath, 5))
	}
	return o, exitCode
}

// bakeOp runs bake ARGS in dir like timed.
func (r *runner) bakeOp(name, dir string, limit time.Duration, args ...string) op {
	return r.timed(name, dir, limit, append([]string{r.bake}, args...)...)
}

// must runs a setup step the bench cannot do without.
func (r *runner) must(name, dir string, args ...string) op {
	shown := strings.Join(args, " ")
	if args[0] == r.bake {
		shown = strings.Join(args[1:], " ")
	}
	logf("%s: %s", name, shown)
	o := r.timed(name, dir, releaseTimeout, args...)
	if !o.OK {
		die("setup step %s failed: the bench cannot run", name)
	}
	logf("%s took %.2fs", name, o.S())
	return o
}

// output runs argv in dir and returns its stdout; it dies when the command fails.
func (r *runner) output(dir string, argv ...string) string {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), r.env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		die("`%s` failed: %v: %s", strings.Join(argv, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out)
}

func lastLines(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// ---- numbers ----------------------------------------------------------------

// stats is the median, min and max of a sample.
type stats struct {
	N             int
	Med, Min, Max float64
}

func statsOf(v []float64) stats {
	if len(v) == 0 {
		return stats{}
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return stats{N: n, Med: med, Min: s[0], Max: s[n-1]}
}

// f formats a number with d decimals ("-" for NaN).
func f(v float64, d int) string {
	if math.IsNaN(v) {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', d, 64)
}

// med, min and max format the sample's figures with d decimals; an empty
// sample shows 0, as the tables always did.
func (s stats) med(d int) string { return f(s.Med, d) }
func (s stats) min(d int) string { return f(s.Min, d) }
func (s stats) max(d int) string { return f(s.Max, d) }

// each lists the values with d decimals, or "-".
func each(v []float64, d int) string {
	if len(v) == 0 {
		return "-"
	}
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = f(x, d)
	}
	return strings.Join(parts, " ")
}

// ratio formats a/b with one decimal, or "-" when b is not positive.
func ratio(a, b float64) string {
	if math.IsNaN(a) || math.IsNaN(b) || b <= 0 {
		return "-"
	}
	return f(a/b, 1)
}

// minus formats a-b in seconds with a sign and 3 decimals, or "-".
func minus(a, b float64) string {
	if math.IsNaN(a) || math.IsNaN(b) {
		return "-"
	}
	return fmt.Sprintf("%+.3f", a-b)
}

// verdict says whether value (as the table shows it) meets target: "met",
// "missed", or "missed (not measured)" when there is no value.
func verdict(value, cmp string, target float64) string {
	v, err := strconv.ParseFloat(strings.TrimSuffix(value, "x"), 64)
	if value == "-" || value == "" || err != nil {
		return "missed (not measured)"
	}
	ok := v <= target
	if cmp == ">=" {
		ok = v >= target
	}
	if ok {
		return "met"
	}
	return "missed"
}

// seconds returns the durations of the ops that succeeded, in seconds.
func seconds(ops []op) []float64 {
	var v []float64
	for _, o := range ops {
		if o.OK {
			v = append(v, o.S())
		}
	}
	return v
}
