package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// heyRun is hey sending requests in the background.
type heyRun struct {
	name    string
	out     string
	cmd     *exec.Cmd
	started time.Time // when it was started: hey's CSV offsets count from about then
}

// startHey starts hey against dev's front door: for duration (or until
// stopped, with duration ""), with POSTs of a body unless method is GET.
func (b *bench) startHey(name, method, duration string) *heyRun {
	if duration == "" {
		duration = "900s"
	}
	args := []string{"-z", duration, "-c", strconv.Itoa(loadWorkers), "-t", "10"}
	if method != "GET" {
		args = append(args, "-m", method, "-d", "ping", "-T", "text/plain")
	}
	args = append(args, frontDoor+"/healthz")
	return b.launchHey(name, args)
}

// launchHey starts hey with args, its output in LOGS/NAME.hey, killed
// after 15 minutes or when the bench ends.
func (b *bench) launchHey(name string, args []string) *heyRun {
	h := &heyRun{name: name, out: filepath.Join(b.logs, name+".hey")}
	f, err := os.Create(h.out)
	if err != nil {
		die("%v", err)
	}
	h.cmd = exec.Command("hey", args...)
	h.cmd.Stdout, h.cmd.Stderr = f, f
	logf("%s: hey %s", name, strings.Join(args, " "))
	h.started = time.Now()
	if err := h.cmd.Start(); err != nil {
		die("%s: starting hey: %v", name, err)
	}
	f.Close()
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
		case <-time.After(15 * time.Minute):
			_ = h.cmd.Process.Kill()
		}
	}()
	b.atExit(func() {
		if h.cmd.ProcessState == nil {
			_ = h.cmd.Process.Kill()
		}
	})
	return h
}

// heySummary is what hey's summary says.
type heySummary struct {
	requests, failed, errors int
	rps                      float64
	codes                    []string // "200:N", by status code
}

// wait waits for hey to end (interrupting it first when stop; hey prints its
// summary when interrupted) and reads its summary.
func (h *heyRun) wait(b *bench, stop bool) heySummary {
	if stop {
		_ = h.cmd.Process.Signal(syscall.SIGINT)
	}
	if err := h.cmd.Wait(); err != nil {
		die("%s: hey failed; see %s", h.name, h.out)
	}
	s := parseHey(h.out)
	if s.requests == 0 {
		die("%s: no requests in hey's summary; see %s", h.name, h.out)
	}
	if s.errors > 0 {
		b.loadErrors = append(b.loadErrors, h.name+":", heyErrors(h.out))
	}
	return s
}

// heyCount matches "[200]\t78611 responses" and "[3]\tPost ...: EOF".
var heyCount = regexp.MustCompile(`^\s*\[([0-9]+)\]\s*(\S*)`)

func parseHey(path string) heySummary {
	file, err := os.Open(path)
	if err != nil {
		die("%v", err)
	}
	defer file.Close()
	var s heySummary
	section := ""
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "Status code distribution:"):
			section = "status"
			continue
		case strings.HasPrefix(line, "Error distribution:"):
			section = "error"
			continue
		case strings.Contains(line, "Requests/sec:"):
			if fs := strings.Fields(line); len(fs) >= 2 {
				s.rps, _ = strconv.ParseFloat(fs[1], 64)
			}
		}
		m := heyCount.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		switch section {
		case "status":
			n, _ := strconv.Atoi(m[2])
			s.requests += n
			if !strings.HasPrefix(m[1], "2") {
				s.failed += n
			}
			s.codes = append(s.codes, m[1]+":"+m[2])
		case "error":
			// "[N]	Post ...: error": N is the count.
			n, _ := strconv.Atoi(m[1])
			s.requests += n
			s.failed += n
			s.errors += n
		}
	}
	return s
}

func (s heySummary) codesCell() string {
	if len(s.codes) == 0 {
		return "-"
	}
	return strings.Join(s.codes, ", ")
}

func (s heySummary) errorsCell() string {
	if s.errors == 0 {
		return "-"
	}
	return strconv.Itoa(s.errors)
}

// heyErrors is the start of hey's error distribution.
func heyErrors(path string) string {
	b, _ := os.ReadFile(path)
	_, after, _ := strings.Cut(string(b), "Error distribution:\n")
	lines := strings.Split(strings.TrimRight(after, "\n"), "\n")
	if len(lines) > 10 {
		lines = lines[:10]
	}
	return strings.Join(lines, "\n")
}

// loadTable: hey against dev's front door, with and without a promote and a
// rollback meanwhile.
func (b *bench) loadTable() string {
	var rows []string
	run := func(name, method string, switches bool) {
		h := b.startHey(name, method, loadDuration)
		ops := "none"
		if switches {
			time.Sleep(pause)
			o := b.bakeOp(name+"-promote", b.dir, opTimeout, "promote", "hello@1.1.0", "--to", "dev")
			ops = fmt.Sprintf("promote %.2fs %s", o.S(), okWord(o))
			time.Sleep(pause)
			o = b.bakeOp(name+"-rollback", b.dir, opTimeout, "rollback", "hello", "--env", "dev", "--yes")
			ops += fmt.Sprintf(", rollback %.2fs %s", o.S(), okWord(o))
		}
		s := h.wait(b, false)
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %d | %d | %.0f | %s | %s |", name, method, ops, s.requests, s.failed, s.rps, s.codesCell(), s.errorsCell()))
	}
	run("control-get", "GET", false)
	run("switch-get", "GET", true)
	run("control-post", "POST", false)
	run("switch-post", "POST", true)

	return fmt.Sprintf(`
### Zero downtime: `+"`hey -z %s -c %d [-m POST -d ping] %s/healthz`"+` (dev's front door)

Goal: 0 failed (failed = non-2xx responses + transport errors).

| run | method | switches during the load | requests | failed | requests/s | status codes | errors |
| --- | --- | --- | ---: | ---: | ---: | --- | ---: |
%s
`, loadDuration, loadWorkers, frontDoor, strings.Join(rows, "\n"))
}

func okWord(o op) string {
	if o.OK {
		return "ok"
	}
	return "FAILED"
}

// strategyTable: promotes and rollbacks under load, with each strategy.
func (b *bench) strategyTable() string {
	strategies := []struct{ name, target string }{
		{"blue-green", "strategy: blue-green"},
		{"rolling", "strategy: rolling, min_healthy: 1"},
	}
	var rows, goals []string
	for _, st := range strategies {
		b.setDev("stopped", st.target)
		name := "load-" + st.name
		logf("%s: %d promotes and %d rollbacks under load", name, rounds, rounds)
		h := b.startHey(name, "POST", "")
		time.Sleep(pause)
		switches := 0
		t0 := time.Now()
		for i := 1; i <= rounds; i++ {
			if b.bakeOp(fmt.Sprintf("%s-promote-%d", name, i), b.dir, opTimeout, "promote", "hello@1.1.0", "--to", "dev").OK {
				switches++
			}
			if b.bakeOp(fmt.Sprintf("%s-rollback-%d", name, i), b.dir, opTimeout, "rollback", "hello", "--env", "dev", "--yes").OK {
				switches++
			}
		}
		switching := time.Since(t0).Seconds()
		time.Sleep(pause)
		s := h.wait(b, true)
		rows = append(rows, fmt.Sprintf("| %s (`%s`) | %d/%d in %.1f s | %d | %d | %.0f | %s | %s |", st.name, st.target, switches, 2*rounds, switching,
			s.requests, s.failed, s.rps, s.codesCell(), s.errorsCell()))
		rps := f(s.rps, 0)
		goals = append(goals,
			fmt.Sprintf("| %s: requests sent | >= 20000 | %d | %s |", st.name, s.requests, verdict(strconv.Itoa(s.requests), ">=", 20000)),
			fmt.Sprintf("| %s: requests per second | >= 500 | %s | %s |", st.name, rps, verdict(rps, ">=", 500)),
			fmt.Sprintf("| %s: failed requests | <= 0 | %d | %s |", st.name, s.failed, verdict(strconv.Itoa(s.failed), "<=", 0)),
			fmt.Sprintf("| %s: promotes and rollbacks that succeeded | >= %d | %d | %s |", st.name, 2*rounds, switches, verdict(strconv.Itoa(switches), ">=", 2*rounds)))
	}
	b.setDev("stopped", "")
	return fmt.Sprintf(`
### Zero downtime for each strategy: %d promotes and %d rollbacks under `+"`hey -c %d -m POST -d ping %s/healthz`"+`

| strategy | promotes and rollbacks that succeeded, in | requests | failed | requests/s | status codes | errors |
| --- | --- | ---: | ---: | ---: | --- | ---: |
%s

| goal | target | measured | verdict |
| --- | --- | --- | --- |
%s
`, rounds, rounds, loadWorkers, frontDoor, strings.Join(rows, "\n"), strings.Join(goals, "\n"))
}

// loadErrorsSection is what hey reported as errors, if anything.
func (b *bench) loadErrorsSection() string {
	if len(b.loadErrors) == 0 {
		return ""
	}
	return "\nErrors reported by hey (at most 10 lines a run):\n\n```\n" + strings.Join(b.loadErrors, "\n") + "\n```\n"
}

// failedSection lists the bake commands that failed.
func (b *bench) failedSection() string {
	if len(b.failed) == 0 {
		return ""
	}
	return "\ncommands that failed:\n\n- " + strings.Join(b.failed, "\n- ") + "\n"
}
