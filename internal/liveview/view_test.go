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

func say(t *testing.T, v *View, lines ...string) {
	t.Helper()
	for _, l := range lines {
		_, err := fmt.Fprintln(v, l)
		require.NoError(t, err)
	}
}

func TestViewDrawsOneLinePerStepInPlace(t *testing.T) {
	v, scr, c := newTestView(false)
	say(t, v, `promoting svc@1.1.0 (sha256:0123456789ab) to "dev"`)
	assert.Equal(t, []string{`promoting svc@1.1.0 (sha256:0123456789ab) to "dev"`}, scr.visible(),
		"a line that is no step is printed as it is, with no frame before the first step")

	c.advance(1500 * time.Millisecond)
	say(t, v, "started bake-p-dev-svc-1")
	c.advance(500 * time.Millisecond)
	say(t, v, "started bake-p-dev-svc-2")
	assert.Equal(t, []string{
		`promoting svc@1.1.0 (sha256:0123456789ab) to "dev"`,
		"✓ started   bake-p-dev-svc-2 (and 1 more)  2.0s",
		`⠋ promote svc@1.1.0 to "dev"  2.0s`,
	}, scr.visible())

	c.advance(time.Second)
	say(t, v, "bake-p-dev-svc-1 is healthy", "bake-p-dev-svc-2 is healthy")
	c.advance(200 * time.Millisecond)
	say(t, v, "switched 127.0.0.1:8080 to svc@1.1.0 (2 replicas)")
	c.advance(100 * time.Millisecond)
	say(t, v, "watching svc@1.1.0 for 40s")
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
	say(t, v, "svc@1.1.0 stayed healthy for 40s")
	say(t, v, "warning: renewing the lock: slow ledger")
	c.advance(300 * time.Millisecond)
	say(t, v, "drained the old replicas in 300ms")
	c.advance(700 * time.Millisecond)
	say(t, v, "stopped bake-p-dev-svc-0 (kept for rollback)")
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
	say(t, v, "started r-2", "r-2 is healthy", "switched 127.0.0.1:8080 to svc@1.1.0 (1 replicas)", "watching svc@1.1.0 for 40s")
	c.advance(20 * time.Second)
	say(t, v, `svc@1.1.0 failed its health watch in "dev": r-2 failed its health check 20s after the switch; switching back to 1.0.0`)
	c.advance(time.Second)
	say(t, v, "using r-1 (kept warm)", "switched 127.0.0.1:8080 to svc@1.0.0 (1 replicas)", "removed r-2")
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
	say(t, v, "watching svc@1.1.0 for 1m")
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
		say(t, v, "started r-1")
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
	say(t, v, "switched 127.0.0.1:8080 to a-very-long-image-name@1.2.3-rc.1 (12 replicas)")
	for _, l := range scr.visible() {
		assert.LessOrEqual(t, len([]rune(l)), 40, "%q wraps", l)
	}
	assert.Contains(t, scr.visible()[0], "…")
}

func TestViewRedrawsOnItsOwn(t *testing.T) {
	scr := &screen{}
	v := New(scr, Options{Title: "t", Tick: 5 * time.Millisecond})
	say(t, v, "watching svc@1.1.0 for 1m")
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

func TestClassify(t *testing.T) {
	for line, want := range map[string]Kind{
		"started bake-p-dev-svc-1.1.0-1":                                        Started,
		"using bake-p-dev-svc-1.0.0-1 (kept warm)":                              Started,
		"restarted bake-p-dev-svc-1.0.0-1":                                      Started,
		"created Auto Scaling group g (2 x t3 from ami-1)":                      Started,
		"bake-p-dev-svc-1.1.0-1 is healthy":                                     Healthy,
		"g: 2 instance(s) in service and healthy in 1 target group(s) after 3s": Healthy,
		"switched 127.0.0.1:8080 to svc@1.1.0 (2 replicas)":                     Switched,
		"switched: g (1.0.0) left the target groups; h serves":                  Switched,
		"1 of 2 replicas in traffic run svc@1.1.0":                              Switched,
		"took bake-p-dev-svc-1.0.0-1 out of traffic":                            Switched,
		"watching svc@1.1.0 for 40s":                                            Watch,
		"svc@1.1.0 stayed healthy for 40s":                                      Watch,
		"drained the old replicas in 12ms":                                      Draining,
		"stopped bake-p-dev-svc-1.0.0-1 (kept for rollback)":                    Retired,
		"removed bake-p-dev-svc-0.9.0-1":                                        Retired,
		"kept bake-p-dev-svc-1.0.0-1 running out of traffic (warm)":             Retired,
		"took g (1.0.0) out of the target groups":                               Retired,
		"scaled g to zero (kept for rollback)":                                  Retired,
	} {
		ev, ok := classify(line)
		assert.True(t, ok, line)
		assert.Equal(t, want, ev.kind, line)
	}
	for _, line := range []string{
		`promoting svc@1.1.0 (sha256:0123) to "dev"`,
		"copied svc@1.1.0 (sha256:0123) to 127.0.0.1:5000/p/svc",
		"warning: retiring old replicas: boom",
		"interrupted: promote svc@1.1.0; state left: 2 replicas",
		`rolling back svc in "prod" from 1.1.0 to 1.0.0`,
	} {
		_, ok := classify(line)
		assert.False(t, ok, line)
	}
	ev, _ := classify("watching svc@1.1.0 in its target groups for 1m30s")
	assert.Equal(t, 90*time.Second, ev.period)
}
