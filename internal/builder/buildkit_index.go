package builder

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	bkclient "github.com/moby/buildkit/client"
	"github.com/moby/moby/client"
)

// PlatformImage is one platform's image of a multi-platform build.
type PlatformImage struct {
	Platform string // os/arch[/variant], as bake.yaml lists it
	Digest   string // its manifest's digest in the index
	ImageID  string // its id in the engine, where it was loaded to be validated
}

// Index is the OCI image index of a multi-platform build, kept on disk
// until it is published: nothing reaches the registry before every
// platform is validated.
type Index struct {
	Digest string // sha256:... of the index, the release's digest once published
	index  v1.ImageIndex
	dir    string // the OCI image layout holding it
}

// Remove deletes the index's files. It is safe on a nil Index.
func (x *Index) Remove() error {
	if x == nil {
		return nil
	}
	return os.RemoveAll(x.dir)
}

// buildIndex solves b once for every platform into one OCI index, which
// buildkitd exports to bake as an OCI image layout, and loads each
// platform's image into the engine so the sandbox can run it.
func (k buildKit) buildIndex(ctx context.Context, b buildKitBuild, platforms []string) (*Index, []PlatformImage, error) {
	dir, err := os.MkdirTemp("", "bake-index-")
	if err != nil {
		return nil, nil, err
	}
	x := &Index{dir: dir}
	ok := false
	defer func() {
		if !ok {
			_ = x.Remove()
		}
	}()
	export := func(ctx context.Context) (bkclient.ExportEntry, func() error, func(error)) {
		pr, pw := io.Pipe()
		entry := bkclient.ExportEntry{
			Type:   bkclient.ExporterOCI,
			Output: func(map[string]string) (io.WriteCloser, error) { return pw, nil },
		}
		read := func() error {
			err := untar(pr, dir)
			pr.CloseWithError(err)
			return err
		}
		return entry, read, func(err error) { pw.CloseWithError(err) }
	}
	res, err := k.solve(ctx, b, map[string]string{"platform": strings.Join(platforms, ",")}, export)
	if err != nil {
		return nil, nil, err
	}
	x.Digest = res.ExporterResponse["containerimage.digest"]
	if x.index, err = indexIn(dir, x.Digest); err != nil {
		return nil, nil, err
	}
	images, err := platformImages(x.index, platforms)
	if err != nil {
		return nil, nil, err
	}
	for i, p := range images {
		img, err := x.index.Image(v1.Hash{Algorithm: "sha256", Hex: strings.TrimPrefix(p.Digest, "sha256:")})
		if err != nil {
			return nil, nil, fmt.Errorf("reading the %s image: %w", p.Platform, err)
		}
		if images[i].ImageID, err = loadImage(ctx, k.engine, img); err != nil {
			return nil, nil, fmt.Errorf("loading the %s image into the engine: %w", p.Platform, err)
		}
	}
	ok = true
	return x, images, nil
}

// indexIn finds the index with digest in the OCI image layout at dir.
func indexIn(dir, digest string) (v1.ImageIndex, error) {
	top, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("reading the build's OCI layout: %w", err)
	}
	h, err := v1.NewHash(digest)
	if err != nil {
		return nil, fmt.Errorf("the build reported no index digest (%q): %w", digest, err)
	}
	idx, err := top.ImageIndex(h)
	if err != nil {
		return nil, fmt.Errorf("the build's OCI layout has no index %s: %w", digest, err)
	}
	return idx, nil
}

// platformImages lists the index's image for each platform, in the order
// bake.yaml lists them; an attestation or any other manifest without a
// platform asked for is not one of them.
func platformImages(idx v1.ImageIndex, platforms []string) ([]PlatformImage, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	found := map[string]string{}
	byArch := map[string][]string{} // os/arch -> digests, for a variant BuildKit normalised
	for _, m := range im.Manifests {
		if m.Platform == nil || m.Platform.OS == "unknown" {
			continue
		}
		found[m.Platform.String()] = m.Digest.String()
		arch := m.Platform.OS + "/" + m.Platform.Architecture
		byArch[arch] = append(byArch[arch], m.Digest.String())
	}
	out := make([]PlatformImage, 0, len(platforms))
	for _, p := range platforms {
		d, ok := found[p]
		if arch := strings.Join(strings.SplitN(p, "/", 3)[:2], "/"); !ok && len(byArch[arch]) == 1 {
			// linux/arm64/v8 is written linux/arm64 in an index, linux/arm linux/arm/v7.
			d, ok = byArch[arch][0], true
		}
		if !ok {
			return nil, fmt.Errorf("the index has no image for %s", p)
		}
		out = append(out, PlatformImage{Platform: p, Digest: d})
	}
	return out, nil
}

// loadImage loads img into the engine, untagged, and returns its id. No tag: the
// version's tag is the index's, in the registry; `bake gc` removes an
// untagged image of the project, and promote pulls the index by digest.
func loadImage(ctx context.Context, eng *client.Client, img v1.Image) (string, error) {
	d, err := img.Digest()
	if err != nil {
		return "", err
	}
	ref, err := name.NewDigest("bake.invalid/platform@" + d.String())
	if err != nil {
		return "", err
	}
	return loadAs(ctx, eng, ref, img)
}

// untar writes the regular files and directories of the tar stream r
// under dir: an OCI image layout holds nothing else.
func untar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading the build's OCI layout: %w", err)
		}
		path := filepath.Join(dir, filepath.Clean("/"+h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(path, 0o755)
		case tar.TypeReg:
			err = writeFrom(tr, path)
		}
		if err != nil {
			return fmt.Errorf("writing the build's OCI layout: %w", err)
		}
	}
}

func writeFrom(r io.Reader, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
