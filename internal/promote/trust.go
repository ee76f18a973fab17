package promote

import (
	"errors"
	"fmt"
	"strings"

	"github.com/bakehq/bake/internal/artifact"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/signing"
	"github.com/bakehq/bake/internal/signing/keys"
)

// UntrustedError refuses to deploy a release whose record cannot be
// trusted: its signature does not verify against bake.yaml's
// signing.public_keys, or it would not deploy the artifact its digest
// names. errors.Is(err, ErrRefused) holds (exit 3), and so does
// errors.Is with the reason (signing.ErrBadSignature, artifact.ErrMismatch, ...).
type UntrustedError struct {
	Release string  // image@version
	Reasons []error // why, in gate order
}

func (e *UntrustedError) Error() string {
	reasons := make([]string, len(e.Reasons))
	for i, r := range e.Reasons {
		reasons[i] = r.Error()
	}
	return fmt.Sprintf("refusing %s: %s", e.Release, strings.Join(reasons, "; "))
}

// Unwrap gives the reasons.
func (e *UntrustedError) Unwrap() []error { return e.Reasons }

// Is makes errors.Is(err, ErrRefused) hold.
func (e *UntrustedError) Is(target error) bool { return target == ErrRefused }

// TrustGates are the gates every deployment passes, whatever the
// environment, and that promote, rollback, the automatic rollback and
// recovery check again right before they deploy: the release is signed by
// a key in signing.public_keys (when bake.yaml lists any), and it deploys
// the artifact its digest names, so that re-pointing a registry tag can
// never change what runs.
func TrustGates(p *config.Project, rel ledger.Release) []Gate {
	gates, _ := trust(p, rel)
	return gates
}

// Trust refuses, with an *UntrustedError, a release that fails a trust gate.
func Trust(p *config.Project, rel ledger.Release) error {
	_, reasons := trust(p, rel)
	if len(reasons) == 0 {
		return nil
	}
	return &UntrustedError{Release: rel.Image + "@" + rel.Version, Reasons: reasons}
}

// trust evaluates the trust gates, and returns why each unmet one is.
func trust(p *config.Project, rel ledger.Release) (gates []Gate, reasons []error) {
	name := rel.Image + "@" + rel.Version
	gate := func(g Gate, err error) {
		if err != nil {
			g.Passed, g.Detail = false, err.Error()
			reasons = append(reasons, err)
		}
		gates = append(gates, g)
	}
	if trusted := p.Signing.PublicKeys; len(trusted) > 0 {
		err := signing.Verify(trusted, rel)
		k, _ := signing.Trusted(trusted, rel.SigningKey)
		gate(Gate{Name: "signed", Passed: true, Detail: fmt.Sprintf("%s is signed by %s (%s)", name, keys.ShortID(k.ID), k.File)}, err)
	}
	err := artifact.Verify(rel)
	if errors.Is(err, artifact.ErrNoArtifact) && rel.Status != ledger.StatusValidated {
		// Never published: the validated gate says why, and there is nothing to distrust.
		return append(gates, Gate{Name: "digest", Detail: name + " has no artifact: it failed validation and was never published"}), reasons
	}
	gate(Gate{Name: "digest", Passed: true, Detail: fmt.Sprintf("%s deploys %s, as its digest names", name, artifact.Describe(rel))}, err)
	return gates, reasons
}
