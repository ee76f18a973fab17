package cst

import (
	"context"
	"fmt"
	"io"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/moby/moby/client"
)

// Snapshot is what file and metadata tests look at: an image's config and
// its flattened filesystem, read from its layers rather than from a running
// container, so images without a shell work too.
type Snapshot struct {
	Config v1.Config
	FS     *Filesystem
}

// TakeSnapshot saves ref out of the engine into a temporary file, reads its
// config, and indexes its flattened filesystem (whiteouts applied), keeping
// the contents of the files in want.
func TakeSnapshot(ctx context.Context, eng *client.Client, ref string, want []string) (*Snapshot, error) {
	tmp, err := os.CreateTemp("", "bake-cst-*.tar")
	if err != nil {
		return nil, fmt.Errorf("saving image %s: %w", ref, err)
	}
	defer os.Remove(tmp.Name())
	err = saveImage(ctx, eng, ref, tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("saving image %s: %w", ref, err)
	}
	img, err := tarball.ImageFromPath(tmp.Name(), nil)
	if err != nil {
		return nil, fmt.Errorf("reading saved image %s: %w", ref, err)
	}
	return snapshotOf(ctx, img, want)
}

// snapshotOf reads the config and filesystem of img.
func snapshotOf(ctx context.Context, img v1.Image, want []string) (*Snapshot, error) {
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading image config: %w", err)
	}
	fsys, err := ReadFilesystem(ctx, func() (io.ReadCloser, error) { return mutate.Extract(img), nil }, want)
	if err != nil {
		return nil, err
	}
	return &Snapshot{Config: cfg.Config, FS: fsys}, nil
}

func saveImage(ctx context.Context, eng *client.Client, ref string, w io.Writer) error {
	res, err := eng.ImageSave(ctx, []string{ref})
	if err != nil {
		return err
	}
	defer res.Close()
	_, err = io.Copy(w, res)
	return err
}
