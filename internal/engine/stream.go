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
		if m.Aux != nil && aux != nil {
			aux(*m.Aux)
		}
		if progress == nil {
			continue
		}
		switch {
		case m.Stream != "":
			fmt.Fprint(progress, m.Stream)
		case m.Status != "" && m.Progress == nil:
			if m.ID != "" {
				fmt.Fprintf(progress, "%s: %s\n", m.ID, m.Status)
			} else {
				fmt.Fprintln(progress, m.Status)
			}
		}
	}
}
