package cli

import (
	"context"
	"io"

	"github.com/bakehq/bake/internal/ledger"
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

// redactedStore keeps secret values out of what the ledger records: check
// details and reasons, which quote output and errors.
type redactedStore struct {
	ledger.Store
	r *secret.Redactor
}

func redactStore(s ledger.Store, r *secret.Redactor) ledger.Store {
	if r == nil {
		return s
	}
	return &redactedStore{Store: s, r: r}
}

func (s *redactedStore) PutRelease(ctx context.Context, rel ledger.Release) error {
	rel.Checks = append([]ledger.CheckResult(nil), rel.Checks...)
	for i := range rel.Checks {
		rel.Checks[i].Detail = s.r.String(rel.Checks[i].Detail)
		rel.Checks[i].Name = s.r.String(rel.Checks[i].Name)
	}
	return s.Store.PutRelease(ctx, rel)
}

func (s *redactedStore) AppendDeployment(ctx context.Context, d ledger.Deployment) (int64, error) {
	d.Reason = s.r.String(d.Reason)
	return s.Store.AppendDeployment(ctx, d)
}

func (s *redactedStore) RecordDeployment(ctx context.Context, d ledger.Deployment, pin *ledger.Pin) (int64, error) {
	d.Reason = s.r.String(d.Reason)
	if pin != nil {
		p := *pin
		p.Reason = s.r.String(p.Reason)
		pin = &p
	}
	return s.Store.RecordDeployment(ctx, d, pin)
}

func (s *redactedStore) Revoke(ctx context.Context, rv ledger.Revocation) error {
	rv.Reason = s.r.String(rv.Reason)
	return s.Store.Revoke(ctx, rv)
}

func (s *redactedStore) SetPin(ctx context.Context, p ledger.Pin) error {
	p.Reason = s.r.String(p.Reason)
	return s.Store.SetPin(ctx, p)
}

// redactEvent keeps secret values out of a webhook event.
func redactEvent(ev notify.Event, r *secret.Redactor) notify.Event {
	for _, s := range []*string{&ev.Image, &ev.Version, &ev.Digest, &ev.Env, &ev.Previous, &ev.Reason, &ev.By} {
		*s = r.String(*s)
	}
	return ev
}
