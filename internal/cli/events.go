package cli

import (
	"bytes"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bakehq/bake/internal/progress"
)

// event is one JSON line of progress on stderr with --output json.
type event struct {
	Time  time.Time `json:"time"`
	Event string    `json:"event"` // log, build-step or step
	Image string    `json:"image,omitempty"`
	// Step is a number for a build-step (step of steps) and the step's
	// name for a step of a deployment ("healthy").
	Step  any    `json:"step,omitempty"`
	Steps int    `json:"steps,omitempty"`
	State string `json:"state,omitempty"` // step: begins or failed, for a step that takes a while
	Text  string `json:"text"`
}

var buildStep = regexp.MustCompile(`^Step (\d+)/(\d+) : `)

// eventWriter turns progress lines into JSON lines, so machines can follow a
// long build without scraping text.
type eventWriter struct {
	mu    *sync.Mutex
	out   io.Writer
	image string
	buf   []byte
}

func newEventWriter(out io.Writer) *eventWriter {
	return &eventWriter{mu: &outputMu, out: out}
}

// forImage returns a writer whose events name image.
func (e *eventWriter) forImage(image string) *eventWriter {
	return &eventWriter{mu: e.mu, out: e.out, image: image}
}

func (e *eventWriter) Write(b []byte) (int, error) {
	e.buf = append(e.buf, b...)
	for {
		i := bytes.IndexByte(e.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		line := strings.TrimSpace(string(e.buf[:i]))
		e.buf = e.buf[i+1:]
		if line == "" {
			continue
		}
		ev := event{Time: time.Now().UTC(), Event: "log", Image: e.image, Text: line}
		if m := buildStep.FindStringSubmatch(line); m != nil {
			ev.Event = "build-step"
			step, _ := strconv.Atoi(m[1])
			ev.Step = step
			ev.Steps, _ = strconv.Atoi(m[2])
		}
		if err := e.emit(ev); err != nil {
			return len(b), err
		}
	}
}

// WriteStep writes a line that reports a step of a deployment as a step
// event, so machines know the step without reading the words.
func (e *eventWriter) WriteStep(s progress.Step, line string) error {
	ev := event{Time: time.Now().UTC(), Event: "step", Image: e.image, Step: s.Kind.String(), Text: strings.TrimSpace(line)}
	switch {
	case s.Failed:
		ev.State = "failed"
	case s.Begins:
		ev.State = "begins"
	}
	return e.emit(ev)
}

func (e *eventWriter) emit(ev event) error {
	data, err := document(SchemaEvent, ev)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	_, err = e.out.Write(append(data, '\n'))
	return err
}
