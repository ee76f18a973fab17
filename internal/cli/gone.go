package cli

import (
	"errors"
	"io"
	"sync/atomic"
	"syscall"
)

// readerGone wraps one of bake's output streams and remembers when a write
// to it failed because its reader went away (`bake promote ... | head -1`).
type readerGone struct {
	w    io.Writer
	gone *atomic.Bool
}

func (g readerGone) Write(p []byte) (int, error) {
	n, err := g.w.Write(p)
	if errors.Is(err, syscall.EPIPE) {
		g.gone.Store(true)
	}
	return n, err
}

// outputLost reports whether err is only bake failing to print to a stream
// whose reader went away: what the command did stands, so it exits as the
// command would have, not as a failure.
func (f *Factory) outputLost(err error) bool {
	return f.readerGone.Load() && errors.Is(err, syscall.EPIPE)
}
