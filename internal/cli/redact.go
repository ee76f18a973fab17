package cli

import (
	"io"

	"github.com/bakehq/bake/internal/notify"
	"github.com/bakehq/bake/internal/secret"
)

// Secret values reach builds only. As a defence in depth, every stream
// bake writes to (stdout, stderr: results, progress, JSON events, errors),
// the ledger and the webhook replace any value of a BAKE_SECRET_* variable
// with "[secret]", whatever path it took to get there.

// flushOutput writes what the redacting writers of stdout and stderr held back.
func (f *Factory) flushOutput() {
	for _, w := range []io.Writer{f.Out, f.Err} {
		if fl, ok := w.(*secret.Writer); ok {
			_ = fl.Flush()
		}
	}
}

// redactEvent keeps secret values out of a webhook event.
func redactEvent(ev notify.Event, r *secret.Redactor) notify.Event {
	for _, s := range []*string{&ev.Image, &ev.Version, &ev.Digest, &ev.Env, &ev.Previous, &ev.Reason, &ev.By} {
		*s = r.String(*s)
	}
	return ev
}
