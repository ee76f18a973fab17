package cli

import (
	"encoding/json"
	"io"
	"text/tabwriter"
)

// render writes v as one JSON document with --output json, or calls text.
func (f *Factory) render(v any, text func(w io.Writer)) error {
	if f.JSON() {
		f.rendered = true
		enc := json.NewEncoder(f.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	tw := tabwriter.NewWriter(f.Out, 0, 4, 2, ' ', 0)
	text(tw)
	return tw.Flush()
}
