package cli

import (
	"bytes"
	"io"
	"sync"
)

// prefixWriter starts every line with a name, so the output of builds that
// run at once stays readable. Lines are written whole.
type prefixWriter struct {
	mu     *sync.Mutex
	out    io.Writer
	prefix []byte
	buf    []byte
}

// outputMu serialises the lines of every prefixWriter on one stream.
var outputMu sync.Mutex

func prefixed(w io.Writer, name string) io.Writer {
	if ev, ok := w.(*eventWriter); ok {
		return ev.forImage(name)
	}
	return &prefixWriter{mu: &outputMu, out: w, prefix: []byte("[" + name + "] ")}
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		line := append(append([]byte{}, p.prefix...), p.buf[:i+1]...)
		p.mu.Lock()
		_, err := p.out.Write(line)
		p.mu.Unlock()
		p.buf = p.buf[i+1:]
		if err != nil {
			return len(b), err
		}
	}
}
