package cli

import (
	"io"
	"text/tabwriter"
)

// render writes v as schema's JSON document with --output json, or calls
// text. Naming the schema is part of the call, so no document goes out
// without it.
func (f *Factory) render(schema Schema, v any, text func(w io.Writer)) error {
	if f.JSON() {
		f.rendered = true
		return f.writeDocument(schema, v)
	}
	tw := tabwriter.NewWriter(f.Out, 0, 4, 2, ' ', 0)
	text(tw)
	return tw.Flush()
}
