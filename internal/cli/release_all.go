package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/release"
)

// releaseAllResult is what release --all prints: one entry per image it
// tried, in bake.yaml's order.
type releaseAllResult struct {
	Releases []release.Result `json:"releases"`
}

// runReleaseAll releases every image whose inputs changed, bases first,
// up to --parallel at once (see release.All).
func runReleaseAll(ctx context.Context, o *releaseOptions) error {
	f := o.f
	if o.version != "" {
		return &usageError{"release --all: --version names one image's version; use --bump"}
	}
	if o.parallel < 1 {
		return &usageError{fmt.Sprintf("release --all: --parallel %d: expected 1 or more", o.parallel)}
	}
	p, err := f.Project()
	if err != nil {
		return err
	}
	if _, err := f.Signer(); err != nil {
		return err
	}
	out, failed := release.All(ctx, p, o.parallel, func(ctx context.Context, img *config.Image) (release.Result, error) {
		return releaseOne(ctx, o, p, img, prefixed(f.Progress(), img.Name), true)
	})
	if err := f.render(SchemaReleaseAll, releaseAllResult{Releases: out}, func(w io.Writer) {
		for _, res := range out {
			switch {
			case res.Error != "":
				fmt.Fprintf(w, "failed %s\t%s\n", res.Release.Image, res.Error)
				continue
			case res.Skipped != "":
				fmt.Fprintf(w, "skipped %s\t%s\n", res.Release.Image, res.Skipped)
				continue
			}
			printReleased(w, res)
		}
	}); err != nil {
		return err
	}
	return failed
}
