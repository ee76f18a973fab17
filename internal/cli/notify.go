package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/notify"
)

// takeWebhookSecret reads BAKE_WEBHOOK_SECRET and removes it from bake's
// environment, so that no process bake runs (git, Packer, a build) inherits
// the key receivers trust bake's events with.
func takeWebhookSecret() string {
	s := os.Getenv(notify.EnvSecret)
	_ = os.Unsetenv(notify.EnvSecret)
	return s
}

// notifyGrace bounds how long bake waits at exit for webhook deliveries
// still under way; what is not delivered by then is reported, never fatal.
const notifyGrace = 5 * time.Second

// notify sends ev to the project's webhook, if one is configured, filling in
// the project, who and the operation. It never blocks.
func (f *Factory) notify(ev notify.Event) {
	p, err := f.Project()
	if err != nil {
		return
	}
	if f.webhook == nil {
		url := notify.URL(p.Notify.Webhook)
		if url == "" {
			return
		}
		f.webhook = notify.New(url, notify.Options{
			Secret:    f.webhookSecret,
			Allow:     p.Notify.Allow,
			UserAgent: "bake/" + Version,
			Warn:      func(msg string) { fmt.Fprintf(f.Progress(), "warning: %s\n", msg) },
		})
	}
	ev.Project, ev.By, ev.Operation = p.Name, f.User(), f.Operation
	f.webhook.Send(redactEvent(ev, f.redactor))
}

// notifyDeployment turns a recorded deployment into its event.
func (f *Factory) notifyDeployment(d ledger.Deployment) {
	if d.Outcome == ledger.OutcomeStarted || ledger.IsStep(d) {
		return // not an outcome: the event comes with the record of one
	}
	ev := notify.Event{Image: d.Image, Version: d.Version, Digest: d.Digest, Env: d.Env, Previous: d.Previous, Reason: d.Reason}
	switch {
	case d.Kind == ledger.KindAutoRollback:
		ev.Type = notify.RollbackAutomatic
		if d.Outcome != ledger.OutcomeSucceeded {
			ev.Type = notify.RollbackFailed
		}
	case d.Kind == ledger.KindRollback && d.Outcome == ledger.OutcomeSucceeded:
		ev.Type = notify.RollbackSucceeded
	case d.Kind == ledger.KindRollback:
		ev.Type = notify.RollbackFailed
	case d.Outcome == ledger.OutcomeSucceeded:
		ev.Type = notify.PromotionSucceeded
	default:
		ev.Type = notify.PromotionFailed
	}
	f.notify(ev)
}

// notifyRelease reports a release recorded, or one that failed.
func (f *Factory) notifyRelease(rel ledger.Release, err error) {
	ev := notify.Event{Type: notify.ReleaseRecorded, Image: rel.Image, Version: rel.Version, Digest: rel.Digest}
	if err != nil || rel.Status == ledger.StatusFailed {
		ev.Type = notify.ReleaseFailed
		if err != nil {
			ev.Reason = err.Error()
		}
	}
	f.notify(ev)
}

// closeWebhook waits a little for deliveries under way.
func (f *Factory) closeWebhook() {
	if f.webhook == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), notifyGrace)
	defer cancel()
	if err := f.webhook.Close(ctx); err != nil {
		fmt.Fprintf(f.Err, "warning: %v\n", err)
	}
}
