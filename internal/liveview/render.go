package liveview

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fatih/color"
)

// palette colours the parts of a line, or leaves them plain.
type palette struct {
	ok, warn, bad, busy, faint *color.Color
}

func newPalette(on bool) palette {
	p := palette{ok: color.New(color.FgGreen), warn: color.New(color.FgYellow), bad: color.New(color.FgRed),
		busy: color.New(color.FgCyan), faint: color.New(color.Faint)}
	for _, c := range []*color.Color{p.ok, p.warn, p.bad, p.busy, p.faint} {
		// Decided by the caller for this stream, not by the library's
		// guess about stdout.
		if on {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
	}
	return p
}

// stepLines renders one line per step: mark, name, what it did last, and
// how long it took (or, for a watch or a canary's step under way, how long
// is left).
func (v *View) stepLines(now time.Time) []string {
	lines := make([]string, 0, len(v.steps))
	width := v.width()
	for _, s := range v.steps {
		// "started r-1" reads "started   r-1" under the step's name.
		detail := strings.TrimPrefix(s.text, s.kind.String()+" ")
		mark, took := v.paint.ok.Sprint("✓"), s.end.Sub(s.begin)
		if s.count > 1 && s.kind != Watch && s.kind != Canary && s.kind != Analysis {
			detail = fmt.Sprintf("%s (and %d more)", detail, s.count-1)
		}
		switch {
		case s.failed:
			mark = v.paint.bad.Sprint("✗")
		case s.cut:
			mark = v.paint.warn.Sprint("!")
		case s.running:
			mark = v.paint.busy.Sprint(spinner[v.spin%len(spinner)])
			took = now.Sub(s.begin)
			if s.kind == Watch {
				left := max(s.period-took, 0).Round(time.Second)
				detail = fmt.Sprintf("%s healthy so far, %s left of %s", s.what, left, s.period)
			}
			if s.kind == Canary { // the step under way began with its line
				left := max(s.period-now.Sub(s.end), 0).Round(time.Second)
				detail = fmt.Sprintf("%s, %s left", detail, left)
			}
		}
		el := formatElapsed(took)
		// mark, a space, the name in 9 columns, a space; two spaces before the time.
		room := width - 1 - 11 - 2 - len(el)
		lines = append(lines, fmt.Sprintf("%s %-9s %s  %s", mark, s.kind, cut(detail, room), v.paint.faint.Sprint(el)))
	}
	return lines
}

func (v *View) width() int {
	if v.o.Width != nil {
		if w := v.o.Width(); w > 20 {
			return w
		}
	}
	return 100
}

// cut shortens s to n columns (one per rune), ending with "…" if cut.
func cut(s string, n int) string {
	if n < 1 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// formatElapsed is short and steady: 0.4s, 12s, 1m05s.
func formatElapsed(d time.Duration) string {
	switch {
	case d < 0:
		d = 0
		fallthrough
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	}
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}
