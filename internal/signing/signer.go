package signing

import (
	"crypto/ed25519"
	"fmt"
	"time"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/signing/keys"
)

// Where bake looks for the private key, first to last: the key itself in
// EnvKey (what a CI secret holds), a file named by EnvKeyFile, then
// signing.key in bake.yaml.
const (
	EnvKey     = "BAKE_SIGNING_KEY"
	EnvKeyFile = "BAKE_SIGNING_KEY_FILE"
)

// Signer signs releases with one private key.
type Signer struct {
	key ed25519.PrivateKey
	// ID is the id of its public key, recorded with every release it signs.
	ID string
	// From says where the key came from, for messages.
	From string
}

// NewSigner signs with priv; from says where it came from.
func NewSigner(priv ed25519.PrivateKey, from string) *Signer {
	return &Signer{key: priv, ID: keys.KeyID(priv.Public().(ed25519.PublicKey)), From: from}
}

// Public returns the public half of the key.
func (s *Signer) Public() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// Seal returns rel signed, as it is to be recorded. A zero CreatedAt
// becomes now, as the ledger would record it, so that the time signed is
// the time recorded.
func (s *Signer) Seal(rel ledger.Release) (ledger.Release, error) {
	if rel.CreatedAt.IsZero() {
		rel.CreatedAt = time.Now().UTC()
	}
	sig, id, err := Sign(s.key, rel)
	if err != nil {
		return ledger.Release{}, err
	}
	rel.Signature, rel.SigningKey = sig, id
	return rel, nil
}

// LoadSigner finds the private key: keyText (the value of EnvKey), else
// the file keyFile (the value of EnvKeyFile), else the file configured
// (signing.key in bake.yaml, absolute). With none of them set it returns
// nil: releases are recorded unsigned. Its errors wrap keys.ErrInvalidKey, name
// the place, and never quote the key.
func LoadSigner(keyText, keyFile, configured string) (*Signer, error) {
	var (
		data []byte
		from string
	)
	switch {
	case keyText != "":
		data, from = []byte(keyText), EnvKey
	case keyFile != "":
		from = fmt.Sprintf("%s (%s)", keyFile, EnvKeyFile)
		b, err := keys.ReadKeyFile(keyFile)
		if err != nil {
			return nil, keys.Errorf("reading the signing key %s: %v", from, err)
		}
		data = b
	case configured != "":
		from = fmt.Sprintf("%s (signing.key in bake.yaml)", configured)
		b, err := keys.ReadKeyFile(configured)
		if err != nil {
			return nil, keys.Errorf("reading the signing key %s: %v; run `bake keygen` to make one, or set %s", from, err, EnvKey)
		}
		data = b
	default:
		return nil, nil
	}
	priv, err := keys.ParsePrivateKey(data)
	if err != nil {
		return nil, keys.Errorf("reading the signing key %s: %v", from, err)
	}
	return NewSigner(priv, from), nil
}
