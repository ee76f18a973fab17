package release

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"github.com/Masterminds/semver/v3"
	"golang.org/x/sync/errgroup"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/version"
)

// Request is one `bake release`: which image, how its version is decided,
// and whether an image whose inputs are already recorded is left alone.
type Request struct {
	Image   *config.Image
	Version string // exactly this version; "" derives it (see Bump)
	Bump    string // auto, major, minor or patch
	Force   bool   // build even when a release with the same inputs exists
	NoTag   bool   // do not create the git tag IMAGE/vX.Y.Z
	// SkipUnchanged leaves an image whose newest validated release was
	// built from the inputs it has now alone (`--all`), unless Force.
	SkipUnchanged bool
	// Recorded, if set, is told of every release attempt once its version
	// is decided: the release (or, when none was recorded, its image and
	// version) and the error, if any.
	Recorded func(ledger.Release, error)
}

// Result is what one `bake release` did.
type Result struct {
	Release   ledger.Release `json:"release"`
	Reason    string         `json:"reason,omitempty"`
	GitTag    string         `json:"git_tag,omitempty"`
	Unchanged bool           `json:"unchanged,omitempty"` // inputs already recorded, nothing released
	Error     string         `json:"error,omitempty"`     // with --all: why this image failed
	Skipped   string         `json:"skipped,omitempty"`   // with --all: why this image was not tried
	// TagError says why the git tag was not created; the release is recorded.
	TagError error `json:"-"`
}

// Run decides the version of req.Image and releases it: the version given,
// or the next one from git and the ledger; with SkipUnchanged, nothing
// when its inputs are already recorded.
func (r *Releaser) Run(ctx context.Context, req Request) (Result, error) {
	img, p := req.Image, r.Project
	commit, dirty, _ := version.GitCommit(ctx, p.Dir)
	opts := Options{Image: img, GitCommit: commit, GitDirty: dirty, Source: p.Dir, Force: req.Force}
	if req.SkipUnchanged && !req.Force {
		if prev, ok, err := r.unchangedSince(ctx, opts); err != nil {
			return Result{}, err
		} else if ok {
			return Result{Release: prev, Unchanged: true}, nil
		}
	}
	v, reason, err := Decide(ctx, r.Store, p, img, req.Version, req.Bump)
	if err != nil {
		return Result{}, err
	}
	if dirty {
		reason += "; the git tree has uncommitted changes"
	}
	opts.Version, opts.Reason = v.String(), reason
	rel, err := r.Release(ctx, opts)
	if req.Recorded != nil {
		told := rel
		if told.Image == "" {
			told.Image, told.Version = img.Name, opts.Version
		}
		req.Recorded(told, err)
	}
	res := Result{Release: rel, Reason: reason}
	if err != nil {
		return res, err
	}
	if !req.NoTag && commit != "" {
		if err := version.Tag(ctx, p.Dir, img.Name, v, commit); err != nil {
			res.TagError = err
		} else {
			res.GitTag = version.TagName(img.Name, v)
		}
	}
	return res, nil
}

// unchangedSince reports whether the image's newest validated release was
// built from exactly the inputs it has now. The inputs are rendered with
// that release's version, so a template that uses {{ .Version }} is not
// "changed" by the version alone.
func (r *Releaser) unchangedSince(ctx context.Context, opts Options) (ledger.Release, bool, error) {
	rels, err := r.Store.Releases(ctx, opts.Image.Name)
	if err != nil {
		return ledger.Release{}, false, err
	}
	for _, prev := range rels {
		if prev.Status != ledger.StatusValidated {
			continue
		}
		opts.Version = prev.Version
		job, _, err := r.Prepare(ctx, opts)
		if err != nil {
			return ledger.Release{}, false, err
		}
		return prev, job.InputsDigest() == prev.InputsDigest, nil
	}
	return ledger.Release{}, false, nil
}

// Decide returns the explicit version, or the next one from git (tags and
// conventional commits touching the image's template and context) and the
// versions the ledger has recorded; and why.
func Decide(ctx context.Context, store ledger.Store, p *config.Project, img *config.Image, explicit, bump string) (*semver.Version, string, error) {
	if explicit != "" {
		v, err := version.Parse(explicit)
		return v, "--version", err
	}
	recorded, err := store.Releases(ctx, img.Name)
	if err != nil {
		return nil, "", err
	}
	var vs []*semver.Version
	for _, r := range recorded {
		if v, err := semver.NewVersion(r.Version); err == nil {
			vs = append(vs, v)
		}
	}
	paths := []string{relPath(p.Dir, img.Recipe()), relPath(p.Dir, img.Context)}
	d, err := version.Next(ctx, version.NextOptions{Dir: p.Dir, Image: img.Name, Paths: paths, Bump: bump, Recorded: vs})
	if err != nil {
		return nil, "", err
	}
	return d.Version, d.Reason, nil
}

func relPath(base, path string) string {
	if r, err := filepath.Rel(base, path); err == nil {
		return r
	}
	return path
}

// Order puts the project's images in levels so that every image comes in
// a later level than its base; within a level, in bake.yaml's order.
// bake.yaml has no cycles (config rejects them).
func Order(p *config.Project) [][]*config.Image {
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

// All releases every image of p with one, up to parallel at once, one
// level of Order at a time: an image builds only after the release of its
// base is recorded, since its inputs include the base's digest. After a
// level with a failure it stops, since images built FROM a failed one
// would use a stale base. The results come in bake.yaml's order, one per
// image: a failed image's with its Error set, one never tried with Skipped;
// the error joins every failed image's.
func All(ctx context.Context, p *config.Project, parallel int, one func(context.Context, *config.Image) (Result, error)) ([]Result, error) {
	if parallel < 1 {
		return nil, fmt.Errorf("parallel %d: expected 1 or more", parallel)
	}
	var (
		mu      sync.Mutex
		results = map[string]Result{}
		failed  []error
	)
	for _, level := range Order(p) {
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(parallel)
		for _, img := range level {
			g.Go(func() error {
				res, err := one(gctx, img)
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
			break
		}
	}
	var names []string
	for _, img := range p.Images {
		if res, ok := results[img.Name]; ok && res.Error != "" {
			names = append(names, fmt.Sprintf("%q", img.Name))
		}
	}
	out := make([]Result, 0, len(p.Images))
	for _, img := range p.Images {
		res, ok := results[img.Name]
		if !ok {
			res = Result{Release: ledger.Release{Image: img.Name},
				Skipped: fmt.Sprintf("not tried: %s failed first; release it again once that is fixed", strings.Join(names, ", "))}
		}
		out = append(out, res)
	}
	return out, errors.Join(failed...)
}
