package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// load is hey sending requests to a front door while a test changes what
// is behind it: POSTs with a body, which Go's client never sends again on a
// broken connection, so every request the front door drops is counted.
type load struct {
	cmd  *exec.Cmd
	out  bytes.Buffer
	done chan struct{}
	once sync.Once
	sum  loadSummary
}

// loadWorkers and loadRate shape the load: workers × rate requests a second
// (200), enough for a canary at 10% to reach a verdict within seconds, and
// light enough to leave the machine's two cores to bake and its replicas.
const (
	loadWorkers = 8
	loadRate    = 25
)

// startLoad starts hey against url until stop; the test stops it at the
// latest when it ends.
func startLoad(t *testing.T, url string) *load {
	t.Helper()
	l := &load{done: make(chan struct{})}
	l.cmd = exec.Command("hey", "-z", "10m", "-c", strconv.Itoa(loadWorkers), "-q", strconv.Itoa(loadRate),
		"-t", "10", "-m", "POST", "-d", "ping", "-T", "text/plain", url)
	l.cmd.Stdout, l.cmd.Stderr = &l.out, &l.out
	if err := l.cmd.Start(); err != nil {
		t.Fatalf("starting hey (Debian package hey, installed by scripts/services.sh): %v", err)
	}
	go func() { _ = l.cmd.Wait(); close(l.done) }()
	t.Cleanup(func() { l.stop(t) })
	return l
}

// stop interrupts hey (it prints its summary when interrupted) and reads
// what it saw.
func (l *load) stop(t *testing.T) loadSummary {
	t.Helper()
	l.once.Do(func() {
		_ = l.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-l.done:
		case <-time.After(30 * time.Second):
			_ = l.cmd.Process.Kill()
			<-l.done
			t.Errorf("hey did not stop within 30s of SIGINT")
		}
		l.sum = parseHeySummary(l.out.String())
		t.Logf("load: %s", l.sum)
	})
	return l.sum
}

// loadSummary is hey's status-code and error distribution.
type loadSummary struct {
	// Codes counts responses by status code.
	Codes map[int]int
	// Errors counts requests that got no response, by hey's error line.
	Errors map[string]int
}

// heyLine matches "  [200]\t78611 responses" and "  [3]\tPost ...: EOF".
var heyLine = regexp.MustCompile(`^\s*\[([0-9]+)\]\s+(.*)$`)

// parseHeySummary reads the distributions of hey's summary.
func parseHeySummary(out string) loadSummary {
	s := loadSummary{Codes: map[int]int{}, Errors: map[string]int{}}
	section := ""
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "Status code distribution:"):
			section = "codes"
			continue
		case strings.HasPrefix(line, "Error distribution:"):
			section = "errors"
			continue
		}
		m := heyLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		switch section {
		case "codes":
			count, _ := strconv.Atoi(strings.Fields(m[2] + " 0")[0])
			s.Codes[n] += count
		case "errors":
			s.Errors[m[2]] += n
		}
	}
	return s
}

// Total is every request hey finished, answered or not.
func (s loadSummary) Total() int {
	n := 0
	for _, c := range s.Codes {
		n += c
	}
	return n + s.errorCount()
}

// Failed is every request that got no 2xx answer.
func (s loadSummary) Failed() int {
	n := s.errorCount()
	for code, c := range s.Codes {
		if code < 200 || code > 299 {
			n += c
		}
	}
	return n
}

// FromBadRelease is the failures the release under test caused: the svc's
// own 500s (FAIL_RATE), which only a bad release answers.
func (s loadSummary) FromBadRelease() int {
	return s.Codes[http.StatusInternalServerError]
}

// FromStepChanges is every other failure: requests the front door dropped
// (connection errors), its 502/503/504 when an upstream it sent a request to
// was gone or not ready, and any other status no svc answers.
func (s loadSummary) FromStepChanges() int {
	return s.Failed() - s.FromBadRelease()
}

func (s loadSummary) errorCount() int {
	n := 0
	for _, c := range s.Errors {
		n += c
	}
	return n
}

// String is one line for the test log: counts, codes and the first errors.
func (s loadSummary) String() string {
	codes := make([]int, 0, len(s.Codes))
	for c := range s.Codes {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d×%d", s.Codes[c], c))
	}
	var errs []string
	for e, n := range s.Errors {
		errs = append(errs, fmt.Sprintf("%d×%s", n, e))
	}
	sort.Strings(errs)
	if len(errs) > 3 {
		errs = append(errs[:3], "...")
	}
	return fmt.Sprintf("%d requests, %d failed (%d from the release, %d from step changes); codes %s; errors [%s]",
		s.Total(), s.Failed(), s.FromBadRelease(), s.FromStepChanges(), strings.Join(parts, " "), strings.Join(errs, "; "))
}
