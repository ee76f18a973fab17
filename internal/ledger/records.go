package ledger

import (
	"errors"
	"fmt"
	"time"
)

// What every backend checks before it records, and how it stores times.

// TimeLayout is RFC 3339 with a fixed-width fraction, so stored times compare
// correctly as text (RFC3339Nano trims trailing zeros and does not).
const TimeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// FormatTime renders t for storage: UTC, fixed width, sortable as text.
func FormatTime(t time.Time) string {
	return t.UTC().Format(TimeLayout)
}

// ParseTime reads a time written by FormatTime and returns it in UTC.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("reading stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// ValidateDeployment rejects a record rollback could not act on.
func ValidateDeployment(d Deployment) error {
	switch {
	case d.Env == "":
		return errors.New("env is empty")
	case d.Image == "":
		return errors.New("image is empty")
	case d.Version == "":
		return errors.New("version is empty")
	case d.Kind != KindPromote && !IsRollback(d.Kind):
		return fmt.Errorf("kind %q is none of %q, %q and %q", d.Kind, KindPromote, KindRollback, KindAutoRollback)
	case d.Outcome != OutcomeSucceeded && d.Outcome != OutcomeFailed && d.Outcome != OutcomeStarted && d.Outcome != OutcomeStep:
		return fmt.Errorf("outcome %q is none of %q, %q, %q and %q", d.Outcome, OutcomeStarted, OutcomeStep, OutcomeSucceeded, OutcomeFailed)
	}
	return validateCanary(d)
}

// ValidatePin checks a pin record and stamps it with the time if it has none.
func ValidatePin(p *Pin) error {
	if p.Image == "" || p.Env == "" || p.By == "" {
		return fmt.Errorf("recording pin: image, env and who are required")
	}
	if p.At.IsZero() {
		p.At = time.Now()
	}
	return nil
}

// ValidateOutcome checks a deployment record and the pin change recorded
// with it (pin may be nil), as RecordDeployment takes them.
func ValidateOutcome(d Deployment, pin *Pin) error {
	if err := ValidateDeployment(d); err != nil {
		return err
	}
	if pin != nil {
		return ValidatePin(pin)
	}
	return nil
}

// ValidateRelease rejects a release that could not be promoted or sorted.
func ValidateRelease(r Release) error {
	if r.Image == "" {
		return errors.New("image is empty")
	}
	if _, err := ParseVersion(r.Version); err != nil {
		return err
	}
	if r.Status != StatusValidated && r.Status != StatusFailed {
		return fmt.Errorf("status %q is neither %q nor %q", r.Status, StatusValidated, StatusFailed)
	}
	return nil
}

// ParseLock builds a Lock from its stored columns.
func ParseLock(key, holder, since, expires string) (Lock, error) {
	l := Lock{Key: key, Holder: holder}
	var err error
	if l.Since, err = ParseTime(since); err != nil {
		return Lock{}, err
	}
	if l.Expires, err = ParseTime(expires); err != nil {
		return Lock{}, err
	}
	return l, nil
}
