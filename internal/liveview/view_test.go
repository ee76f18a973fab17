package liveview

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/progress"
)

// screen is a terminal just capable enough for a View: it keeps the lines
// on screen and understands "\r", "\n", cursor up (ESC[nA) and clear to
// the end of the screen (ESC[J), and counts how often a line was rewritten.
type screen struct {
	lines  []string
	row    int
	writes int
}

var csi = regexp.MustCompile(`^\x1b\[(\d*)([AJm])`)

func (s *screen) Write(b []byte) (int, error) {
	s.writes++
	text := string(b)
	for len(text) > 0 {
		if m := csi.FindStringSubmatch(text); m != nil {
			switch m[2] {
			case "A":
				n, _ := strconv.Atoi(m[1])
				s.row = max(s.row-n, 0)
			case "J":
				s.lines = s.lines[:s.row]
			case "m": // colour: kept in the text
				s.put(m[0])
			}
			text = text[len(m[0]):]
			continue
		}
		switch text[0] {
		case '\r':
		case '\n':
			s.row++
		default:
			s.put(text[:1])
		}
		text = text[1:]
	}
	return len(b), nil
}

func (s *screen) put(t string) {
	for len(s.lines) <= s.row {
		s.lines = append(s.lines, "")
	}
	s.lines[s.row] += t
}

// visible is the screen without colour.
func (s *screen) visible() []string {
	out := make([]string, len(s.lines))
	for i, l := range s.lines {
		out[i] = regexp.MustCompile(`\x1b\[[0-9;]*m`).ReplaceAllString(l, "")
	}
	return out
}

// clock is a settable time.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newTestView(colour bool) (*View, *screen, *clock) {
	scr := &screen{}
	c := &clock{t: time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)}
	v := New(scr, Options{Title: `promote svc@1.1.0 to "dev"`, Colour: colour, Width: func() int { return 80 }, Now: c.now})
	return v, scr, c
}

// say writes lines that are no step.
func say(t *testing.T, v *View, lines ...string) {
	t.Helper()
	for _, l := range lines {
		_, err := fmt.Fprintln(v, l)
		require.NoError(t, err)
	}
}

// mark writes lines that report a step of kind k, as the targets do.
func mark(v *View, k progress.Kind, lines ...string) {
	for _, l := range lines {
		progress.Stepf(v, k, "%s", l)
	}
}

// watch writes the line that begins a watch of svc@1.1.0.
func watch(v *View, period time.Duration, line string) {
	progress.Mark(v, progress.Step{Kind: Watch, Begins: true, Period: period, What: "svc@1.1.0"}, "%s", line)
}

func TestViewDrawsOneLinePerStepInPlace(t *testing.T) {
	v, scr, c := newTestView(false)
	say(t, v, `promoting svc@1.1.0 (sha256:0123456789ab) to "dev"`)
	assert.Equal(t, []string{`promoting svc@1.1.0 (sha256:0123456789ab) to "dev"`}, scr.visible(),
		"a line that is no step is printed as it is, with no frame before the first step")

	c.advance(1500 * time.Millisecond)
	mark(v, Started, "started bake-p-dev-svc-1")
	c.advance(500 * time.Millisecond)
	mark(v, Started, "started bake-p-dev-svc-2")
	assert.Equal(t, []string{
		`promoting svc@1.1.0 (sha256:0123456789ab) to "dev"`,
		"✓ started   bake-p-dev-svc-2 (and 1 more)  2.0s",
		`⠋ promote svc@1.1.0 to "dev"  2.0s`,
	}, scr.visible())

	c.advance(time.Second)
	mark(v, Healthy, "bake-p-dev-svc-1 is healthy", "bake-p-dev-svc-2 is healthy")
	c.advance(200 * time.Millisecond)
	mark(v, Switched, "switched 127.0.0.1:8080 to svc@1.1.0 (2 replicas)")
	c.advance(100 * time.Millisecond)
	watch(v, 40*time.Second, "watching svc@1.1.0 for 40s")
	c.advance(12 * time.Second)
	v.mu.Lock()
	require.NoError(t, v.redraw(nil)) // what the ticker does
	v.mu.Unlock()
	assert.Equal(t, []string{
		`promoting svc@1.1.0 (sha256:0123456789ab) to "dev"`,
		"✓ started   bake-p-dev-svc-2 (and 1 more)  2.0s",
		"✓ healthy   bake-p-dev-svc-2 is healthy (and 1 more)  1.0s",
		"✓ switched  127.0.0.1:8080 to svc@1.1.0 (2 replicas)  0.2s",
		"⠋ watch     svc@1.1.0 healthy so far, 28s left of 40s  12s",
		`⠋ promote svc@1.1.0 to "dev"  15s`,
	}, scr.visible(), "the frame is redrawn in place: no step line appears twice")

	c.advance(28 * time.Second)
	mark(v, Watch, "svc@1.1.0 stayed healthy for 40s")
	say(t, v, "warning: renewing the lock: slow ledger")
	progress.Mark(v, progress.Step{Kind: Draining, Begins: true}, "draining the old replicas (at most 10s)")
	assert.Contains(t, scr.visible(), "⠋ draining  the old replicas (at most 10s)  0.0s", "draining shows under way")
	c.advance(300 * time.Millisecond)
	mark(v, Draining, "drained the old replicas in 300ms")
	c.advance(700 * time.Millisecond)
	mark(v, Retired, "stopped bake-p-dev-svc-0 (kept for rollback)")
	v.Finish(nil)
	assert.Equal(t, []string{
		`promoting svc@1.1.0 (sha256:0123456789ab) to "dev"`,
		"warning: renewing the lock: slow ledger",
		"✓ started   bake-p-dev-svc-2 (and 1 more)  2.0s",
		"✓ healthy   bake-p-dev-svc-2 is healthy (and 1 more)  1.0s",
		"✓ switched  127.0.0.1:8080 to svc@1.1.0 (2 replicas)  0.2s",
		"✓ watch     svc@1.1.0 stayed healthy for 40s  40s",
		"✓ draining  drained the old replicas in 300ms  0.3s",
		"✓ retired   stopped bake-p-dev-svc-0 (kept for rollback)  0.7s",
		`✓ promote svc@1.1.0 to "dev": done in 44s`,
	}, scr.visible())

	say(t, v, "aws: 3 API calls")
	assert.Equal(t, "aws: 3 API calls", scr.visible()[len(scr.visible())-1], "after Finish lines pass through")
}

func TestViewMarksAFailedWatchAndTheSwitchBack(t *testing.T) {
	v, scr, c := newTestView(false)
	mark(v, Started, "started r-2")
	mark(v, Healthy, "r-2 is healthy")
	mark(v, Switched, "switched 127.0.0.1:8080 to svc@1.1.0 (1 replicas)")
	watch(v, 40*time.Second, "watching svc@1.1.0 for 40s")
	c.advance(20 * time.Second)
	progress.Mark(v, progress.Step{Kind: Watch, Failed: true},
		`svc@1.1.0 failed its health watch in "dev": r-2 failed its health check 20s after the switch; switching back to 1.0.0`)
	c.advance(time.Second)
	mark(v, Started, "using r-1 (kept warm)")
	mark(v, Switched, "switched 127.0.0.1:8080 to svc@1.0.0 (1 replicas)")
	mark(v, Retired, "removed r-2")
	v.Finish(errors.New("deployment failed"))
	got := scr.visible()
	assert.Equal(t, []string{
		`svc@1.1.0 failed its health watch in "dev": r-2 failed its health check 20s after the switch; switching back to 1.0.0`,
		"✓ started   using r-1 (kept warm) (and 1 more)  21s",
		"✓ healthy   r-2 is healthy  0.0s",
		"✓ switched  127.0.0.1:8080 to svc@1.0.0 (1 replicas) (and 1 more)  21s",
		"✗ watch     watching svc@1.1.0 for 40s  20s",
		"✓ retired   removed r-2  0.0s",
		`✗ promote svc@1.1.0 to "dev": failed after 21s`,
	}, got)
}

func TestViewSaysInterruptedOnCtrlC(t *testing.T) {
	v, scr, c := newTestView(false)
	watch(v, time.Minute, "watching svc@1.1.0 for 1m")
	c.advance(5 * time.Second)
	v.Finish(fmt.Errorf("promoting: %w", context.Canceled))
	assert.Equal(t, []string{
		"! watch     watching svc@1.1.0 for 1m  5.0s",
		`! promote svc@1.1.0 to "dev": interrupted after 5.0s`,
	}, scr.visible())
}

func TestViewWithoutStepsPrintsNoFrameNorSummary(t *testing.T) {
	v, scr, _ := newTestView(true)
	say(t, v, "interrupted: nothing ran there; its lock is released")
	v.Finish(nil)
	assert.Equal(t, []string{"interrupted: nothing ran there; its lock is released"}, scr.lines,
		"no colour and no cursor movement for lines that are no step")
}

func TestViewColours(t *testing.T) {
	for _, colour := range []bool{true, false} {
		v, scr, _ := newTestView(colour)
		mark(v, Started, "started r-1")
		v.Finish(nil)
		out := strings.Join(scr.lines, "\n")
		assert.Equal(t, colour, strings.Contains(out, "\x1b[32m✓"), "green marks with colour %v:\n%q", colour, out)
		if !colour {
			assert.NotRegexp(t, `\x1b\[[0-9;]*m`, out, "no colour sequence at all")
		}
	}
}

func TestViewCutsLinesToTheTerminal(t *testing.T) {
	scr := &screen{}
	c := &clock{t: time.Now()}
	v := New(scr, Options{Title: "rollback svc in \"prod\"", Width: func() int { return 40 }, Now: c.now})
	mark(v, Switched, "switched 127.0.0.1:8080 to a-very-long-image-name@1.2.3-rc.1 (12 replicas)")
	for _, l := range scr.visible() {
		assert.LessOrEqual(t, len([]rune(l)), 40, "%q wraps", l)
	}
	assert.Contains(t, scr.visible()[0], "…")
}

func TestViewRedrawsOnItsOwn(t *testing.T) {
	scr := &screen{}
	v := New(scr, Options{Title: "t", Tick: 5 * time.Millisecond})
	watch(v, time.Minute, "watching svc@1.1.0 for 1m")
	before := scr.writes
	require.Eventually(t, func() bool {
		v.mu.Lock()
		defer v.mu.Unlock()
		return scr.writes > before+2
	}, 2*time.Second, 5*time.Millisecond, "the ticker redraws the countdown")
	v.Finish(nil)
	v.mu.Lock()
	after := scr.writes
	v.mu.Unlock()
	time.Sleep(30 * time.Millisecond)
	v.mu.Lock()
	assert.Equal(t, after, scr.writes, "no redraw after Finish")
	v.mu.Unlock()
}

func TestViewTakesStepsFromTheMarkNotTheWords(t *testing.T) {
	v, scr, c := newTestView(false)
	say(t, v, "started r-1", "r-1 is healthy")
	assert.Equal(t, []string{"started r-1", "r-1 is healthy"}, scr.visible(),
		"a line that reads like a step but comes unmarked is printed as it is")

	c.advance(time.Second)
	mark(v, Healthy, "r-1 answered its health check")
	progress.Mark(v, progress.Step{Kind: Draining, Begins: true}, "waiting for requests to r-0")
	c.advance(10 * time.Second)
	progress.Mark(v, progress.Step{Kind: Draining, Failed: true}, "warning: 2 requests to r-0 cut short")
	v.Finish(nil)
	assert.Equal(t, []string{
		"started r-1", "r-1 is healthy",
		"warning: 2 requests to r-0 cut short",
		"✓ healthy   r-1 answered its health check  1.0s",
		"✗ draining  waiting for requests to r-0  10s",
		`✓ promote svc@1.1.0 to "dev": done in 11s`,
	}, scr.visible(), "any wording; a failed step is marked and its line printed above")
}
