package cli

import (
	"fmt"
	"os"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/signing"
	"github.com/bakehq/bake/internal/signing/keys"
)

// Releases are signed where they are recorded: the ledger this Factory
// opens signs every release put into it once a signer is known, after
// secret values were redacted from it, so the signature covers exactly
// what the ledger holds.

// takeSigningKey reads BAKE_SIGNING_KEY and removes it from bake's own
// environment, so that no process bake starts (Packer, mmdebstrap) ever
// inherits the private key.
func takeSigningKey() string {
	key := os.Getenv(signing.EnvKey)
	_ = os.Unsetenv(signing.EnvKey)
	return key
}

// Signer returns the key this run signs releases with, found once
// (BAKE_SIGNING_KEY, BAKE_SIGNING_KEY_FILE, then signing.key in bake.yaml),
// or nil when there is none and bake.yaml does not ask for signatures.
// When bake.yaml lists signing.public_keys, a release made without a key,
// or with one they do not list, could never be deployed: both are refused
// here, before anything is built.
func (f *Factory) Signer() (*signing.Signer, error) {
	f.signerOnce.Do(func() { f.signer, f.signerErr = f.loadSigner() })
	return f.signer, f.signerErr
}

func (f *Factory) loadSigner() (*signing.Signer, error) {
	p, err := f.Project()
	if err != nil {
		return nil, err
	}
	s, err := signing.LoadSigner(f.signingKey, os.Getenv(signing.EnvKeyFile), p.Signing.Key)
	trusted := p.Signing.PublicKeys
	switch {
	case err != nil || len(trusted) == 0:
		return s, err
	case s == nil:
		return nil, &usageError{fmt.Sprintf("bake.yaml accepts only signed releases (signing.public_keys), and no signing key was given: "+
			"set %s to the private key (its PEM text), %s to its file, or signing.key in bake.yaml (`bake keygen` makes a key pair)",
			signing.EnvKey, signing.EnvKeyFile)}
	}
	if _, ok := signing.Trusted(trusted, s.ID); !ok {
		return nil, &usageError{fmt.Sprintf("the signing key %s from %s is not among signing.public_keys in bake.yaml, "+
			"so its releases could never be deployed: list its public key there, or sign with a key they list", keys.ShortID(s.ID), s.From)}
	}
	return s, nil
}

// sealer is Signer as the ledger asks for it: no signer is a nil Sealer.
func (f *Factory) sealer() (ledger.Sealer, error) {
	s, err := f.Signer()
	if s == nil || err != nil {
		return nil, err
	}
	return s, nil
}

// signApproval signs a, for rel, with the approver's key when bake.yaml
// lists signing.approvers: the key from keyFile, else BAKE_SIGNING_KEY or
// BAKE_SIGNING_KEY_FILE. The approval is recorded under the name the key
// is listed with, whatever BAKE_USER says. Without approvers it is
// returned as it is, and a key is a mistake.
func (f *Factory) signApproval(p *config.Project, rel ledger.Release, a ledger.Approval, keyFile string) (ledger.Approval, error) {
	s, name, err := f.approver(p, "approve", keyFile)
	if s == nil || err != nil {
		return a, err
	}
	a.By = name
	return s.SealApproval(a, rel)
}

// signRevocation is signApproval for `bake revoke`.
func (f *Factory) signRevocation(p *config.Project, r ledger.Revocation, keyFile string) (ledger.Revocation, error) {
	s, name, err := f.approver(p, "revoke", keyFile)
	if s == nil || err != nil {
		return r, err
	}
	r.By = name
	return s.SealRevocation(r)
}

// approver finds the key `bake approve` or `bake revoke` (cmd) signs with
// and the approver it is listed for; no key and no error when bake.yaml
// lists no approvers.
func (f *Factory) approver(p *config.Project, cmd, keyFile string) (*signing.Signer, string, error) {
	if len(p.Signing.Approvers) == 0 {
		if keyFile != "" {
			return nil, "", &usageError{fmt.Sprintf("%s: --key signs only when bake.yaml lists signing.approvers", cmd)}
		}
		return nil, "", nil
	}
	s, err := approverKey(f.signingKey, keyFile)
	if err != nil {
		return nil, "", err
	}
	if s == nil {
		return nil, "", &usageError{fmt.Sprintf("%s: bake.yaml takes only what signing.approvers sign: "+
			"give the approver's private key with --key FILE, %s or %s", cmd, signing.EnvKey, signing.EnvKeyFile)}
	}
	ap, ok := p.Signing.Approver(s.ID)
	if !ok {
		return nil, "", &usageError{fmt.Sprintf("%s: the key %s from %s is not an approver's: list its public key under signing.approvers in bake.yaml",
			cmd, keys.ShortID(s.ID), s.From)}
	}
	return s, ap.Name, nil
}

// approverKey loads the key an approval is signed with: the file --key
// names, else BAKE_SIGNING_KEY, else BAKE_SIGNING_KEY_FILE; nil if none.
func approverKey(keyText, keyFile string) (*signing.Signer, error) {
	if keyFile == "" {
		return signing.LoadSigner(keyText, os.Getenv(signing.EnvKeyFile), "")
	}
	data, err := keys.ReadKeyFile(keyFile)
	if err != nil {
		return nil, keys.Errorf("reading the approver's key %s (--key): %v", keyFile, err)
	}
	priv, err := keys.ParsePrivateKey(data)
	if err != nil {
		return nil, keys.Errorf("reading the approver's key %s (--key): %v", keyFile, err)
	}
	return signing.NewSigner(priv, keyFile+" (--key)"), nil
}
