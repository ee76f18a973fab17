package builder

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// inputsDigest hashes everything that decides the bytes of an image: the
// builder version, the base image's digest, the variables (in sorted order),
// the names of the secrets (never their values) and the build context with
// the rendered template in it.
func inputsDigest(s Spec, context []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "builder %s\nbase %s\n", Version, s.BaseRef)
	keys := make([]string, 0, len(s.Image.Vars))
	for k := range s.Image.Vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "var %q=%q\n", k, s.Image.Vars[k])
	}
	// Only names: a secret's value must not be guessable from a digest
	// printed and recorded everywhere. (Nothing is added without secrets, so
	// earlier digests stay valid.)
	for _, name := range slices.Sorted(slices.Values(s.Image.Secrets)) {
		fmt.Fprintf(h, "secret %q\n", name)
	}
	// (Nor without platforms: a single-platform image keeps its digest.)
	if len(s.Image.Platforms) > 0 {
		fmt.Fprintf(h, "platforms %q\n", strings.Join(s.Image.Platforms, ","))
	}
	h.Write(context)
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// sha names bytes by their sha256 digest.
func sha(b []byte) string {
	h := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(h[:])
}
