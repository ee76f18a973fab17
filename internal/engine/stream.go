package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/moby/moby/api/types/jsonstream"
)

// ReadStream reads a JSON message stream from the engine (build, push, pull),
// writes human-readable lines to progress (may be nil), passes every aux
// payload to aux (may be nil), and returns the first error message the
// engine sent.
func ReadStream(r io.Reader, progress io.Writer, aux func(json.RawMessage)) error {
	return ReadMessages(r, func(m jsonstream.Message) {
		if m.Aux != nil && aux != nil {
			aux(*m.Aux)
		}
		if progress != nil {
			PrintMessage(progress, m)
		}
	})
}

// ReadMessages passes every message of a JSON message stream from the
// engine to each, until the stream ends or the engine sends an error, which
// it returns.
func ReadMessages(r io.Reader, each func(jsonstream.Message)) error {
	dec := json.NewDecoder(r)
	for {
		var m jsonstream.Message
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("reading engine output: %w", err)
		}
		if m.Error != nil {
			return errors.New(strings.TrimSpace(m.Error.Message))
		}
		each(m)
	}
}

// PrintMessage writes a message as the human-readable line ReadStream
// shows: build output as it comes, and statuses without a progress bar.
func PrintMessage(w io.Writer, m jsonstream.Message) {
	switch {
	case m.Stream != "":
		fmt.Fprint(w, m.Stream)
	case m.Status != "" && m.Progress == nil:
		if m.ID != "" {
			fmt.Fprintf(w, "%s: %s\n", m.ID, m.Status)
		} else {
			fmt.Fprintln(w, m.Status)
		}
	}
}
