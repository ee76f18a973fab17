package signing

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/signing/keys"
)

// approvalPrefix starts every approval payload, so that an approval's
// signature can never be taken for a release's, nor the other way round.
const approvalPrefix = "bake approval signature v1\n"

// ErrApprovalUnsigned and ErrApprovalSignature say why an approval does
// not count; each error's text starts with its sentinel's.
var (
	ErrApprovalUnsigned  = errors.New("it is not signed")
	ErrApprovalSignature = errors.New("its signature does not match")
)

type signedApproval struct {
	Image   string `json:"image"`
	Version string `json:"version"`
	Digest  string `json:"digest"` // the release's: an approval is of these bytes
	Env     string `json:"env"`
	By      string `json:"by"`
	At      string `json:"at"`
}

// ApprovalPayload returns the bytes an approval's signature covers: who
// approved which release, by its digest, for which environment and when.
func ApprovalPayload(a ledger.Approval, rel ledger.Release) ([]byte, error) {
	body, err := json.Marshal(signedApproval{Image: text(a.Image), Version: text(a.Version), Digest: text(rel.Digest),
		Env: text(a.Env), By: text(a.By), At: canonicalTime(a.At)})
	if err != nil {
		return nil, fmt.Errorf("encoding the approval of %s@%s for its signature: %w", a.Image, a.Version, err)
	}
	return append([]byte(approvalPrefix), body...), nil
}

// SealApproval returns a signed by s, for rel.
func (s *Signer) SealApproval(a ledger.Approval, rel ledger.Release) (ledger.Approval, error) {
	payload, err := ApprovalPayload(a, rel)
	if err != nil {
		return ledger.Approval{}, err
	}
	a.Signature, a.SigningKey = base64.StdEncoding.EncodeToString(ed25519.Sign(s.key, payload)), s.ID
	return a, nil
}

// VerifyApproval checks that a, for rel, carries a signature by key over
// exactly what a records.
func VerifyApproval(key keys.PublicKey, a ledger.Approval, rel ledger.Release) error {
	if a.Signature == "" {
		return ErrApprovalUnsigned
	}
	sig, err := base64.StdEncoding.DecodeString(a.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("%w: it is not an ed25519 signature in base64", ErrApprovalSignature)
	}
	payload, err := ApprovalPayload(a, rel)
	if err != nil {
		return err
	}
	if !ed25519.Verify(key.Key, payload, sig) {
		return fmt.Errorf("%w: it was changed after it was signed, or is of other bytes than %s@%s's", ErrApprovalSignature, rel.Image, rel.Version)
	}
	return nil
}

// revocationPrefix starts every revocation payload.
const revocationPrefix = "bake revocation signature v1\n"

type signedRevocation struct {
	Image   string `json:"image"`
	Version string `json:"version"`
	Reason  string `json:"reason"`
	By      string `json:"by"`
	At      string `json:"at"`
}

// RevocationPayload returns the bytes a revocation's signature covers.
func RevocationPayload(r ledger.Revocation) ([]byte, error) {
	body, err := json.Marshal(signedRevocation{Image: text(r.Image), Version: text(r.Version), Reason: text(r.Reason),
		By: text(r.By), At: canonicalTime(r.At)})
	if err != nil {
		return nil, fmt.Errorf("encoding the revocation of %s@%s for its signature: %w", r.Image, r.Version, err)
	}
	return append([]byte(revocationPrefix), body...), nil
}

// SealRevocation returns r signed by s.
func (s *Signer) SealRevocation(r ledger.Revocation) (ledger.Revocation, error) {
	payload, err := RevocationPayload(r)
	if err != nil {
		return ledger.Revocation{}, err
	}
	r.Signature, r.SigningKey = base64.StdEncoding.EncodeToString(ed25519.Sign(s.key, payload)), s.ID
	return r, nil
}

// VerifyRevocation checks that r carries a signature by key over exactly
// what r records.
func VerifyRevocation(key keys.PublicKey, r ledger.Revocation) error {
	if r.Signature == "" {
		return ErrApprovalUnsigned
	}
	sig, err := base64.StdEncoding.DecodeString(r.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("%w: it is not an ed25519 signature in base64", ErrApprovalSignature)
	}
	payload, err := RevocationPayload(r)
	if err != nil {
		return err
	}
	if !ed25519.Verify(key.Key, payload, sig) {
		return fmt.Errorf("%w: it was changed after it was signed", ErrApprovalSignature)
	}
	return nil
}
