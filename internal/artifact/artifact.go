// Package artifact names what a release deploys by digest, and checks that
// a recorded release deploys exactly the artifact its digest names: an
// image by repository@digest (never by tag), or its AMIs.
package artifact

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/bakehq/bake/internal/builder"
	"github.com/bakehq/bake/internal/ledger"
)

// Why a release's record does not deploy what its digest names.
var (
	ErrMismatch   = errors.New("its artifact does not match its digest")
	ErrNoArtifact = errors.New("it records no artifact") // a failed release was never published
)

// digestRule is what a manifest digest looks like.
var digestRule = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// AMIDigest names an AMI release's artifact, its AMI in every region, the
// way a manifest digest names an image's: promotion gates, "already runs"
// and rollback tell releases apart by digest, and without one every AMI
// release would look like the same artifact.
func AMIDigest(amis map[string]string) string {
	var b strings.Builder
	for _, region := range slices.Sorted(maps.Keys(amis)) {
		fmt.Fprintf(&b, "%s %s\n", region, amis[region])
	}
	return builder.Digest([]byte(b.String()))
}

// AMIList says which AMIs a release has, in words and by region:
// "eu-west-1 ami-456, us-east-1 ami-123", or "none".
func AMIList(amis map[string]string) string {
	if len(amis) == 0 {
		return "none"
	}
	regions := slices.Sorted(maps.Keys(amis))
	words := make([]string, len(regions))
	for i, region := range regions {
		words[i] = region + " " + amis[region]
	}
	return strings.Join(words, ", ")
}

// Verify checks that rel deploys what its digest names. An image release's
// reference must be REPOSITORY@DIGEST with its own, well-formed digest, so
// a target pulls and runs those bytes whatever a registry tag points to
// now. An AMI release's digest must be AMIDigest of its AMIs; one recorded
// before AMI releases had a digest has none, and passes. Errors wrap
// ErrMismatch, or ErrNoArtifact for a release with nothing to deploy.
func Verify(rel ledger.Release) error {
	switch {
	case len(rel.AMIs) > 0:
		if rel.Reference != "" {
			return fmt.Errorf("%w: it records both an image reference and AMIs (the ledger entry was changed)", ErrMismatch)
		}
		if rel.Digest == "" {
			return nil
		}
		if want := AMIDigest(rel.AMIs); rel.Digest != want {
			return fmt.Errorf("%w: its digest %s is not the digest of its AMIs (%s) (the ledger entry was changed)", ErrMismatch, rel.Digest, want)
		}
		return nil
	case rel.Reference != "":
		if !digestRule.MatchString(rel.Digest) {
			return fmt.Errorf("%w: its digest %q is not a sha256 digest (the ledger entry was changed)", ErrMismatch, rel.Digest)
		}
		repo, digest, ok := cutLast(rel.Reference, "@")
		if !ok || repo == "" {
			return fmt.Errorf("%w: its reference %s names no digest, and bake deploys only by digest (the ledger entry was changed)", ErrMismatch, rel.Reference)
		}
		if digest != rel.Digest {
			return fmt.Errorf("%w: its reference %s does not name its digest %s (the ledger entry was changed)", ErrMismatch, rel.Reference, rel.Digest)
		}
		return nil
	}
	return fmt.Errorf("%w, neither an image reference nor AMIs", ErrNoArtifact)
}

// Describe says what rel deploys, for a passed gate.
func Describe(rel ledger.Release) string {
	if len(rel.AMIs) > 0 {
		return "its AMIs " + AMIList(rel.AMIs)
	}
	return rel.Reference
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}
