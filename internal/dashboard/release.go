package dashboard

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/status"
)

// ReleasePage is one release as `bake show` describes it, with the releases
// it was built FROM and its recent deployments.
type ReleasePage struct {
	status.Release
	SignedBy string `json:"signed"` // who signed it, and whether it verifies
	// BaseChain is the release's base, that base's base, and so on.
	BaseChain []Link `json:"base_chain"`
	// Deployments are its deployments among the image's newest, newest first.
	Deployments []ledger.Deployment `json:"deployments"`
}

// Link is one release of a base chain.
type Link struct {
	Ref    string `json:"ref"` // image@version
	Status string `json:"status,omitempty"`
	Digest string `json:"digest,omitempty"`
	// Missing says why the release is not in this ledger (a base from
	// another project's ledger).
	Missing string `json:"missing,omitempty"`
}

// maxChain bounds the walk down a base chain: a chain that long is a loop.
const maxChain = 16

// recentDeployments is how many of the image's deployments the release page
// looks through for its own.
const recentDeployments = 200

// Release reads image@version and what the ledger says of it.
func (s *Source) Release(ctx context.Context, image, version string) (ReleasePage, error) {
	if s.Project.Image(image) == nil {
		return ReleasePage{}, fmt.Errorf("%w image %q: %s has no such image", ErrUnknown, image, s.Project.File)
	}
	store, err := s.Store(ctx)
	if err != nil {
		return ReleasePage{}, err
	}
	rel, err := store.Release(ctx, image, version)
	if errors.Is(err, ledger.ErrNotFound) {
		return ReleasePage{}, fmt.Errorf("%w release %s@%s: not recorded in the ledger", ErrUnknown, image, version)
	}
	if err != nil {
		return ReleasePage{}, err
	}
	described, err := status.Describe(ctx, s.Project, store, rel)
	if err != nil {
		return ReleasePage{}, err
	}
	page := ReleasePage{Release: described, SignedBy: described.Signed, BaseChain: []Link{}, Deployments: []ledger.Deployment{}}
	if page.BaseChain, err = baseChain(ctx, store, rel.Base); err != nil {
		return ReleasePage{}, err
	}
	deps, _, err := status.Deployments(ctx, store, status.HistoryQuery{Image: image, Limit: recentDeployments})
	if err != nil {
		return ReleasePage{}, err
	}
	for _, d := range deps {
		if d.Version == version {
			page.Deployments = append(page.Deployments, d)
		}
	}
	return page, nil
}

// baseChain follows base (image@version) down to a release with no base.
func baseChain(ctx context.Context, store ledger.Store, base string) ([]Link, error) {
	chain := []Link{}
	seen := map[string]bool{}
	for base != "" && len(chain) < maxChain && !seen[base] {
		seen[base] = true
		link := Link{Ref: base}
		image, version, ok := strings.Cut(base, "@")
		if !ok {
			link.Missing = "not a recorded release (no @version)"
			return append(chain, link), nil
		}
		rel, err := store.Release(ctx, image, version)
		switch {
		case errors.Is(err, ledger.ErrNotFound):
			link.Missing = "not recorded in this ledger"
			return append(chain, link), nil
		case err != nil:
			return nil, err
		}
		link.Status, link.Digest = rel.Status, rel.Digest
		chain = append(chain, link)
		base = rel.Base
	}
	return chain, nil
}
