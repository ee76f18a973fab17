package frontdoor

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// counted starts an upstream on loopback that answers status and body and
// counts the requests it answered.
func counted(t *testing.T, status int, body string) (string, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		n.Add(1)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String(), &n
}

// heyResult is what hey reported about one run.
type heyResult struct {
	perSecond float64
	statuses  map[int]int // responses by status code
	errors    []string    // lines of hey's error distribution
	output    string
}

// unanswered returns how many requests got no answer at all.
func (r heyResult) unanswered() int {
	n := 0
	for _, e := range r.errors {
		if m := heyCount.FindStringSubmatch(e); m != nil {
			c, _ := strconv.Atoi(m[1])
			n += c
		}
	}
	return n
}

// failed returns how many requests got no answer or one other than 200.
func (r heyResult) failed() int {
	return r.total() - r.statuses[http.StatusOK]
}

// total returns how many requests hey sent.
func (r heyResult) total() int {
	n := r.unanswered()
	for _, c := range r.statuses {
		n += c
	}
	return n
}

var (
	heyCount  = regexp.MustCompile(`^\s*\[(\d+)\]`)
	heyStatus = regexp.MustCompile(`^\s*\[(\d+)\]\s+(\d+) responses`)
	heyRate   = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
)

// hey runs the load generator with args and parses its summary.
func hey(t *testing.T, args ...string) heyResult {
	t.Helper()
	bin, err := exec.LookPath("hey")
	require.NoError(t, err, "hey must be installed (Debian package hey)")
	out, err := exec.CommandContext(t.Context(), bin, args...).CombinedOutput()
	require.NoError(t, err, "hey %s:\n%s", strings.Join(args, " "), out)
	r := heyResult{statuses: map[int]int{}, output: string(out)}
	if m := heyRate.FindStringSubmatch(r.output); m != nil {
		r.perSecond, _ = strconv.ParseFloat(m[1], 64)
	}
	section := ""
	for _, line := range strings.Split(r.output, "\n") {
		switch {
		case strings.HasPrefix(line, "Status code distribution:"):
			section = "status"
		case strings.HasPrefix(line, "Error distribution:"):
			section = "error"
		case section == "status":
			if m := heyStatus.FindStringSubmatch(line); m != nil {
				code, _ := strconv.Atoi(m[1])
				count, _ := strconv.Atoi(m[2])
				r.statuses[code] += count
			}
		case section == "error" && strings.TrimSpace(line) != "":
			r.errors = append(r.errors, strings.TrimSpace(line))
		}
	}
	return r
}
