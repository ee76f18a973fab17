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
	Step  int       `json:"step,omitempty"`  // build-step: step of steps
	Steps int       `json:"steps,omitempty"` // build-step
	// Phase names the step of a deployment ("healthy"): a field of its own,
	// so that step is a number in every event.
	Phase string `json:"phase,omitempty"`
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
			ev.Step, _ = strconv.Atoi(m[1])
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
	ev := event{Time: time.Now().UTC(), Event: "step", Image: e.image, Phase: s.Kind.String(), Text: strings.TrimSpace(line)}
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
