package cli

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/schollz/progressbar/v3"
)

// stepBar shows a build on a terminal as one progress bar over the build's
// steps instead of its full output; the last lines are kept, so a failed
// build can still show what went wrong.
type stepBar struct {
	out   io.Writer
	name  string
	bar   *progressbar.ProgressBar
	buf   []byte
	tail  []string
	steps int
}

const tailLines = 25

func newStepBar(out io.Writer, name string) *stepBar {
	return &stepBar{out: out, name: name}
}

func (s *stepBar) Write(b []byte) (int, error) {
	s.buf = append(s.buf, b...)
	for {
		i := bytes.IndexByte(s.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		s.line(strings.TrimRight(string(s.buf[:i]), "\r"))
		s.buf = s.buf[i+1:]
	}
}

func (s *stepBar) line(l string) {
	s.tail = append(s.tail, l)
	if len(s.tail) > tailLines {
		s.tail = s.tail[1:]
	}
	m := buildStep.FindStringSubmatch(l)
	if m == nil {
		return
	}
	step, _ := strconv.Atoi(m[1])
	steps, _ := strconv.Atoi(m[2])
	if s.bar == nil || steps != s.steps {
		s.steps = steps
		s.bar = progressbar.NewOptions(steps,
			progressbar.OptionSetWriter(s.out), progressbar.OptionSetWidth(30), progressbar.OptionShowCount(),
			progressbar.OptionSetElapsedTime(true), progressbar.OptionSetPredictTime(false),
			progressbar.OptionClearOnFinish(), progressbar.OptionSetRenderBlankState(true))
	}
	s.bar.Describe(fmt.Sprintf("%s: %-40.40s", s.name, strings.TrimPrefix(l, m[0])))
	_ = s.bar.Set(step - 1)
}

// done clears the bar; after a failure it prints the build's last lines.
func (s *stepBar) done(failed bool) {
	if s.bar != nil {
		_ = s.bar.Finish()
	}
	if failed && len(s.tail) > 0 {
		fmt.Fprintf(s.out, "last lines of the %s build:\n  %s\n", s.name, strings.Join(s.tail, "\n  "))
	}
}
