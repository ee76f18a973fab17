package registry

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// ErrDigestChanged means a copy arrived under another digest than its
// source's: the destination registry rewrote the manifest.
var ErrDigestChanged = errors.New("the copy's digest differs from the source's")

// Copy copies the manifest src names by digest (REGISTRY/REPO@sha256:...),
// an image or an index with every image in it, and its layers, from this
// registry to repository dstRepo (REGISTRY/REPO) of dst, byte for byte, so
// the copy has the same digest; layers dst has already are not sent again.
// It returns the copy's reference, dstRepo@DIGEST, and whether anything
// was copied: a manifest dst already holds by that digest is not.
func (c *Client) Copy(ctx context.Context, src string, dst *Client, dstRepo string) (ref string, copied bool, err error) {
	// Ctrl-C stops a copy wherever it is: say that, not which request of
	// the upload (its URL, with the registry's upload state) it cut short.
	defer func() {
		if err != nil && ctx.Err() != nil {
			err = context.Cause(ctx)
		}
	}()
	from, err := name.NewDigest(src, c.NameOptions()...)
	if err != nil {
		return "", false, fmt.Errorf("%q is not a reference by digest: %w", src, err)
	}
	to, err := name.NewDigest(dstRepo+"@"+from.DigestStr(), dst.NameOptions()...)
	if err != nil {
		return "", false, fmt.Errorf("%q is not a repository: %w", dstRepo, err)
	}
	ref = to.String()
	if desc, err := dst.Head(ctx, ref); err == nil && desc.Digest.String() == from.DigestStr() {
		return ref, false, nil
	} else if err != nil && !errors.Is(err, ErrNotFound) {
		return "", false, err
	}
	desc, err := remote.Get(from, c.remoteOptions(ctx)...)
	if err != nil {
		return "", false, c.fail(err, from.Context())
	}
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return "", false, fmt.Errorf("reading the index %s: %w", src, err)
		}
		if err := remote.WriteIndex(to, idx, dst.remoteOptions(ctx)...); err != nil {
			return "", false, classifyCopy(err, c, dst, from, to)
		}
	} else {
		img, err := desc.Image()
		if err != nil {
			return "", false, fmt.Errorf("reading the image %s: %w", src, err)
		}
		if err := remote.Write(to, img, dst.remoteOptions(ctx)...); err != nil {
			return "", false, classifyCopy(err, c, dst, from, to)
		}
	}
	got, err := dst.Head(ctx, ref)
	if err != nil {
		return "", false, err
	}
	if got.Digest.String() != from.DigestStr() {
		return "", false, fmt.Errorf("copying %s to %s: %w (%s)", src, dstRepo, ErrDigestChanged, got.Digest)
	}
	return ref, true, nil
}

// classifyCopy blames the registry a failed write failed at: the layers
// are read from the source as they are written to the destination.
func classifyCopy(err error, src, dst *Client, from name.Digest, to name.Digest) error {
	if e := dst.fail(err, to.Context()); e != err {
		return e
	}
	return src.fail(err, from.Context())
}
