package ledger

import (
	"context"
	"fmt"
)

// Sealer signs a release's payload and returns the release with its
// signature (signing.Signer is one).
type Sealer interface {
	Seal(r Release) (Release, error)
}

// Redactor replaces secret values in text (secret.Redactor is one).
type Redactor interface {
	String(s string) string
}

// Signing returns s signing every release put into it with the sealer that
// sealer returns, found when the first release is put; none (nil) records
// it unsigned, and an error refuses it.
func Signing(s Store, sealer func() (Sealer, error)) Store {
	if sealer == nil {
		return s
	}
	return &signingStore{Store: s, sealer: sealer}
}

type signingStore struct {
	Store
	sealer func() (Sealer, error)
}

func (s *signingStore) PutRelease(ctx context.Context, rel Release) error {
	sealer, err := s.sealer()
	if err != nil {
		return fmtRecording(rel, err)
	}
	if sealer != nil {
		if rel, err = sealer.Seal(rel); err != nil {
			return fmtRecording(rel, err)
		}
	}
	return s.Store.PutRelease(ctx, rel)
}

// Redacting returns s keeping secret values out of what it records: check
// details and reasons, which quote output and errors. With r nil it
// returns s as it is.
func Redacting(s Store, r Redactor) Store {
	if r == nil {
		return s
	}
	return &redactingStore{Store: s, r: r}
}

type redactingStore struct {
	Store
	r Redactor
}

func (s *redactingStore) PutRelease(ctx context.Context, rel Release) error {
	rel.Checks = append([]CheckResult(nil), rel.Checks...)
	for i := range rel.Checks {
		rel.Checks[i].Detail = s.r.String(rel.Checks[i].Detail)
		rel.Checks[i].Name = s.r.String(rel.Checks[i].Name)
	}
	return s.Store.PutRelease(ctx, rel)
}

func (s *redactingStore) AppendDeployment(ctx context.Context, d Deployment) (int64, error) {
	return s.Store.AppendDeployment(ctx, s.deployment(d))
}

func (s *redactingStore) RecordDeployment(ctx context.Context, d Deployment, pin *Pin) (int64, error) {
	d = s.deployment(d)
	if pin != nil {
		p := *pin
		p.Reason = s.r.String(p.Reason)
		pin = &p
	}
	return s.Store.RecordDeployment(ctx, d, pin)
}

// deployment redacts a deployment's reason and the details of its
// analysis, which may quote a metrics server's errors.
func (s *redactingStore) deployment(d Deployment) Deployment {
	d.Reason = s.r.String(d.Reason)
	if len(d.Analysis) > 0 {
		d.Analysis = append([]Measurement(nil), d.Analysis...)
		for i := range d.Analysis {
			d.Analysis[i].Detail = s.r.String(d.Analysis[i].Detail)
		}
	}
	return d
}

func (s *redactingStore) Revoke(ctx context.Context, rv Revocation) error {
	rv.Reason = s.r.String(rv.Reason)
	return s.Store.Revoke(ctx, rv)
}

func (s *redactingStore) SetPin(ctx context.Context, p Pin) error {
	p.Reason = s.r.String(p.Reason)
	return s.Store.SetPin(ctx, p)
}

func (s *redactingStore) SetFreeze(ctx context.Context, f Freeze) error {
	f.Reason = s.r.String(f.Reason)
	return s.Store.SetFreeze(ctx, f)
}

func fmtRecording(rel Release, err error) error {
	return fmt.Errorf("recording release %s@%s: %w", rel.Image, rel.Version, err)
}
