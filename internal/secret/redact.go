package secret

import (
	"bytes"
	"encoding/json"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Redactor replaces known secret values with Redacted: as written, and as
// JSON and Go quoting escape them, up to three layers deep (a check's
// output quoted with %q, in a JSON document, is two), so a value with
// quotes, backslashes or <>& in it is found too. A nil *Redactor changes
// nothing.
type Redactor struct {
	patterns [][]byte // longest first, so a value that contains another goes whole
}

// quoteLayers is how many layers of quoting a value is looked for under.
const quoteLayers = 3

// quotings are the escapes a value may have gone through on its way out.
var quotings = []func(string) string{
	func(s string) string { return strings.TrimSuffix(strings.TrimPrefix(strconv.Quote(s), `"`), `"`) },
	func(s string) string { return jsonEscaped(s, true) },
	func(s string) string { return jsonEscaped(s, false) },
}

// NewRedactor redacts values; empty ones are ignored.
func NewRedactor(values ...string) *Redactor {
	seen := map[string]bool{}
	var pats [][]byte
	for _, v := range values {
		if v == "" || seen[v] {
			continue
		}
		seen[v] = true
		pats = append(pats, []byte(v))
		layer := []string{v}
		for range quoteLayers {
			var next []string
			for _, s := range layer {
				for _, quote := range quotings {
					if q := quote(s); !seen[q] {
						seen[q] = true
						pats = append(pats, []byte(q))
						next = append(next, q)
					}
				}
			}
			layer = next
		}
	}
	if len(pats) == 0 {
		return nil
	}
	sort.Slice(pats, func(i, j int) bool { return len(pats[i]) > len(pats[j]) })
	return &Redactor{patterns: pats}
}

func jsonEscaped(v string, html bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	_ = enc.Encode(v)
	s := strings.TrimSuffix(b.String(), "\n")
	return strings.TrimSuffix(strings.TrimPrefix(s, `"`), `"`)
}

// String returns s with every secret value replaced.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	return string(r.Bytes([]byte(s)))
}

// Bytes returns b with every secret value replaced; b itself is not changed.
func (r *Redactor) Bytes(b []byte) []byte {
	if r == nil {
		return b
	}
	for _, p := range r.patterns {
		if bytes.Contains(b, p) {
			b = bytes.ReplaceAll(b, p, []byte(Redacted))
		}
	}
	return b
}

// Error returns err with its message redacted, keeping what errors.Is and
// errors.As find in it; nil stays nil.
func (r *Redactor) Error(err error) error {
	if r == nil || err == nil {
		return err
	}
	msg := err.Error()
	if red := r.String(msg); red != msg {
		return &redactedError{msg: red, err: err}
	}
	return err
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// heldBack is how many bytes at the end of b could be the start of a
// secret value: they wait for the next write to be redacted whole.
func (r *Redactor) heldBack(b []byte) int {
	longest := 0
	for _, p := range r.patterns {
		n := min(len(p)-1, len(b))
		for k := n; k > longest; k-- {
			if bytes.HasSuffix(b, p[:k]) {
				longest = k
				break
			}
		}
	}
	return longest
}

// Writer redacts what goes through it to out. A value split across two
// writes is still found: the bytes that could start one are held back until
// the next write or Flush. It is safe for concurrent use.
type Writer struct {
	mu      sync.Mutex
	out     io.Writer
	r       *Redactor
	pending []byte
}

// NewWriter redacts r's values from everything written to out. With a nil
// Redactor it passes everything through.
func NewWriter(out io.Writer, r *Redactor) *Writer {
	return &Writer{out: out, r: r}
}

func (w *Writer) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.r == nil {
		return w.out.Write(b)
	}
	buf := w.r.Bytes(append(w.pending, b...))
	keep := w.r.heldBack(buf)
	w.pending = append([]byte(nil), buf[len(buf)-keep:]...)
	if _, err := w.out.Write(buf[:len(buf)-keep]); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Flush writes what was held back.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.pending) == 0 {
		return nil
	}
	_, err := w.out.Write(w.pending)
	w.pending = nil
	return err
}
