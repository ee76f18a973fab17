package signing

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bakehq/bake/internal/ledger"
)

// payloadPrefix comes before every signed release: a signature made for
// anything else with the same key never verifies as a release's, and the
// version names the encoding below, should it ever have to change.
const payloadPrefix = "bake release signature v1\n"

// signedRelease is what a signature covers: every field of a release
// except the signature itself. It is its own type, not ledger.Release, so
// the signed bytes are exactly these fields in this order and a field
// added to the ledger later cannot change (and so break) old signatures;
// TestPayloadCoversEveryReleaseField makes whoever adds one decide.
type signedRelease struct {
	Image        string            `json:"image"`
	Version      string            `json:"version"`
	Digest       string            `json:"digest"`
	Reference    string            `json:"reference"`
	AMIs         map[string]string `json:"amis"`
	Status       string            `json:"status"`
	Checks       []signedCheck     `json:"checks"`
	InputsDigest string            `json:"inputs_digest"`
	Base         string            `json:"base"`
	GitCommit    string            `json:"git_commit"`
	CreatedAt    string            `json:"created_at"`
	CreatedBy    string            `json:"created_by"`
	Provenance   signedProvenance  `json:"provenance"`
}

type signedCheck struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Passed   bool   `json:"passed"`
	Detail   string `json:"detail"`
	Duration int64  `json:"duration_ns"`
	// Omitted when empty, so releases signed before checks named a
	// platform still verify.
	Platform string `json:"platform,omitempty"`
}

type signedProvenance struct {
	GitDirty       bool   `json:"git_dirty"`
	TemplateDigest string `json:"template_digest"`
	Builder        string `json:"builder"`
	BuilderVersion string `json:"builder_version"`
	BuiltAt        string `json:"built_at"`
	BuildDuration  int64  `json:"build_duration_ns"`
	ReusedFrom     string `json:"reused_from"`
	// Omitted when empty, so releases signed before multi-platform images
	// still verify.
	Platforms []signedPlatform `json:"platforms,omitempty"`
}

type signedPlatform struct {
	Platform string `json:"platform"`
	Digest   string `json:"digest"`
}

// Payload returns the bytes a release's signature covers: payloadPrefix
// and the JSON of the release without Signature and SigningKey. It is the
// same for a release before it is recorded and after it is read back from
// either ledger: times are in UTC to the nanosecond (as both ledgers store
// them), no checks and no AMIs are empty rather than absent, map keys are
// sorted, and bytes that are not UTF-8 read as U+FFFD, as they do after
// either ledger stored them.
func Payload(rel ledger.Release) ([]byte, error) {
	pv := rel.Provenance
	s := signedRelease{
		Image: text(rel.Image), Version: text(rel.Version), Digest: text(rel.Digest), Reference: text(rel.Reference),
		AMIs: map[string]string{}, Status: text(rel.Status), Checks: []signedCheck{},
		InputsDigest: text(rel.InputsDigest), Base: text(rel.Base), GitCommit: text(rel.GitCommit),
		CreatedAt: canonicalTime(rel.CreatedAt), CreatedBy: text(rel.CreatedBy),
		Provenance: signedProvenance{
			GitDirty: pv.GitDirty, TemplateDigest: text(pv.TemplateDigest),
			Builder: text(pv.Builder), BuilderVersion: text(pv.BuilderVersion),
			BuiltAt:       canonicalTime(pv.BuiltAt),
			BuildDuration: int64(pv.BuildDuration), ReusedFrom: text(pv.ReusedFrom),
		},
	}
	for region, ami := range rel.AMIs {
		s.AMIs[text(region)] = text(ami)
	}
	for _, c := range rel.Checks {
		s.Checks = append(s.Checks, signedCheck{Name: text(c.Name), Kind: text(c.Kind), Passed: c.Passed,
			Detail: text(c.Detail), Duration: int64(c.Duration), Platform: text(c.Platform)})
	}
	for _, p := range pv.Platforms {
		s.Provenance.Platforms = append(s.Provenance.Platforms, signedPlatform{Platform: text(p.Platform), Digest: text(p.Digest)})
	}
	body, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encoding %s@%s for its signature: %w", rel.Image, rel.Version, err)
	}
	return append([]byte(payloadPrefix), body...), nil
}

// text replaces each byte of s that is not part of valid UTF-8 with
// U+FFFD, as encoding/json does when the SQLite ledger stores a check's
// detail (and the DynamoDB API when it stores any string), so s signs the
// same before and after the round trip.
func text(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// canonicalTime renders t the one way it is signed: UTC, RFC 3339 with
// nanoseconds (trailing zeros dropped), no monotonic reading.
func canonicalTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}
