package cli

import (
	"bytes"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// event is one JSON line of progress on stderr with --output json.
type event struct {
	Time  time.Time `json:"time"`
	Event string    `json:"event"` // log, or build-step
	Image string    `json:"image,omitempty"`
	Step  int       `json:"step,omitempty"` // build-step: step of steps
	Steps int       `json:"steps,omitempty"`
	Text  string    `json:"text"`
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
		data, derr := document(SchemaEvent, ev)
		if derr != nil {
			return len(b), derr
		}
		e.mu.Lock()
		_, err := e.out.Write(append(data, '\n'))
		e.mu.Unlock()
		if err != nil {
			return len(b), err
		}
	}
}
