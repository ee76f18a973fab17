package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/bakehq/bake/internal/config"
)

// runReleaseAll releases every image whose inputs changed, in parallel up to
// --parallel, one level of the base graph at a time: an image builds only
// after the release of its base is recorded, since its inputs include the
// base's digest.
func runReleaseAll(ctx context.Context, o *releaseOptions) error {
	f := o.f
	if o.version != "" {
		return &usageError{"bake release --all: --version names one image's version; use --bump"}
	}
	if o.parallel < 1 {
		return &usageError{fmt.Sprintf("bake release --all: --parallel %d: expected 1 or more", o.parallel)}
	}
	p, err := f.Project()
	if err != nil {
		return err
	}
	if _, err := f.Signer(); err != nil {
		return err
	}
	var (
		mu      sync.Mutex
		results = map[string]releaseResult{}
		failed  []error
	)
	for _, level := range baseLevels(p) {
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(o.parallel)
		for _, img := range level {
			g.Go(func() error {
				res, err := releaseOne(gctx, o, p, img, prefixed(f.Progress(), img.Name), true)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					res.Release.Image, res.Error = img.Name, err.Error()
					failed = append(failed, fmt.Errorf("%s: %w", img.Name, err))
				}
				results[img.Name] = res
				return nil
			})
		}
		_ = g.Wait()
		if len(failed) > 0 {
			break // images built FROM a failed one would use a stale base
		}
	}
	out := make([]releaseResult, 0, len(results))
	for _, img := range p.Images {
		if res, ok := results[img.Name]; ok {
			out = append(out, res)
		}
	}
	if err := f.render(out, func(w io.Writer) {
		for _, res := range out {
			if res.Error != "" {
				fmt.Fprintf(w, "failed %s\t%s\n", res.Release.Image, res.Error)
				continue
			}
			printReleased(w, res)
		}
	}); err != nil {
		return err
	}
	return errors.Join(failed...)
}

// baseLevels orders images so that every image comes in a later level than
// its base. bake.yaml has no cycles (config rejects them).
func baseLevels(p *config.Project) [][]*config.Image {
	depth := map[string]int{}
	var depthOf func(img *config.Image) int
	depthOf = func(img *config.Image) int {
		if d, ok := depth[img.Name]; ok {
			return d
		}
		d := 0
		if base := p.Image(img.Base); base != nil {
			d = depthOf(base) + 1
		}
		depth[img.Name] = d
		return d
	}
	var levels [][]*config.Image
	for _, img := range p.Images {
		d := depthOf(img)
		for len(levels) <= d {
			levels = append(levels, nil)
		}
		levels[d] = append(levels[d], img)
	}
	return levels
}
