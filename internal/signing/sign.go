package signing

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/signing/keys"
)

// Why a release does not verify. Each error's text starts with its
// sentinel's, so a message reads "refusing hello@1.2.0: it is not signed: ...".
var (
	ErrUnsigned     = errors.New("it is not signed")
	ErrUnknownKey   = errors.New("its signing key is not trusted")
	ErrBadSignature = errors.New("its signature does not match the record")
)

// Sign signs rel as it will be recorded and returns the base64 signature
// and the id of the key that made it: what Release.Signature and
// Release.SigningKey hold. rel's own Signature and SigningKey are ignored.
func Sign(priv ed25519.PrivateKey, rel ledger.Release) (signature, keyID string, err error) {
	payload, err := Payload(rel)
	if err != nil {
		return "", "", err
	}
	sig := ed25519.Sign(priv, payload)
	return base64.StdEncoding.EncodeToString(sig), keys.KeyID(priv.Public().(ed25519.PublicKey)), nil
}

// Verify checks that rel carries a signature, made by one of trusted, over
// exactly what rel records now. Its errors wrap ErrUnsigned, ErrUnknownKey
// or ErrBadSignature and say why in words a person acts on.
func Verify(trusted []keys.PublicKey, rel ledger.Release) error {
	if rel.Signature == "" {
		return fmt.Errorf("%w, and bake.yaml (signing.public_keys) accepts only signed releases: it was recorded without a signing key, or its signature was removed from the ledger", ErrUnsigned)
	}
	key, ok := Trusted(trusted, rel.SigningKey)
	switch {
	case !ok && rel.SigningKey == "":
		return fmt.Errorf("%w: its record names no signing key (the ledger entry was changed after it was signed)", ErrUnknownKey)
	case !ok:
		return fmt.Errorf("%w: it was signed by %s, which is not among signing.public_keys in bake.yaml", ErrUnknownKey, rel.SigningKey)
	}
	sig, err := base64.StdEncoding.DecodeString(rel.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("%w: the recorded signature is not an ed25519 signature in base64 (the ledger entry was changed after it was signed)", ErrBadSignature)
	}
	payload, err := Payload(rel)
	if err != nil {
		return err
	}
	if !ed25519.Verify(key.Key, payload, sig) {
		return fmt.Errorf("%w (the ledger entry was changed after it was signed)", ErrBadSignature)
	}
	return nil
}

// Trusted returns the key of trusted with this id, if there is one.
func Trusted(trusted []keys.PublicKey, id string) (keys.PublicKey, bool) {
	for _, k := range trusted {
		if k.ID == id {
			return k, true
		}
	}
	return keys.PublicKey{}, false
}
