package registry

import (
	"context"
	"errors"
)

// Diagnose explains why the engine could not pull ref: the engine's own
// error says only "unauthorized" or "no basic auth credentials", without
// the credentials' source. It asks the registry for ref's manifest with
// the same keychain, trusting the engine's certs.d as the engine does, and
// returns a *CredentialsError or *DeniedError when the registry refuses;
// nil when it answers or fails for another reason, which the engine's error
// then tells.
func Diagnose(ctx context.Context, ref string) error {
	host, err := Host(ref)
	if err != nil {
		return nil
	}
	c, err := New(host, Options{})
	if err != nil {
		return nil
	}
	_, err = c.Head(ctx, ref)
	if errors.Is(err, ErrCredentials) || errors.Is(err, ErrDenied) {
		return err
	}
	return nil
}
