package status

import (
	"context"
	"sort"

	"github.com/bakehq/bake/internal/ledger"
)

// HistoryQuery selects one page of an image's history.
type HistoryQuery struct {
	Image string
	Env   string // "" for every environment
	Limit int    // deployments on the page
	// Before is the ID of the deployment the page starts after (0: the newest).
	Before int64
	All    bool // every deployment, no page
}

// History is an image's releases and one page of its deployments, as
// `bake history` lists them.
type History struct {
	Releases    []ledger.Release    `json:"releases"`
	Deployments []ledger.Deployment `json:"deployments"`
	Approvals   []ledger.Approval   `json:"approvals"` // of the releases listed, oldest first
	// Revocations are those of the releases listed, in their order.
	Revocations []ledger.Revocation `json:"revocations"`
	// AMIRemovals are the releases listed whose AMIs `bake gc --amis`
	// removed, in their order: they stay in history but cannot be deployed.
	AMIRemovals []ledger.AMIRemoval `json:"ami_removals"`
	// NextBefore is the --before that lists the next, older page; 0 when
	// the page reaches the first deployment.
	NextBefore int64 `json:"next_before,omitempty"`
}

// ReadHistory reads an image's releases, newest first, with their approvals
// and revocations, and the page of deployments q selects.
func ReadHistory(ctx context.Context, store ledger.Store, q HistoryQuery) (History, error) {
	h := History{Approvals: []ledger.Approval{}, Revocations: []ledger.Revocation{}, AMIRemovals: []ledger.AMIRemoval{}}
	var err error
	if h.Releases, err = store.Releases(ctx, q.Image); err != nil {
		return History{}, err
	}
	NewestFirst(h.Releases)
	if h.Deployments, h.NextBefore, err = Deployments(ctx, store, q); err != nil {
		return History{}, err
	}
	// None is an empty list in the JSON document, not null.
	if h.Releases == nil {
		h.Releases = []ledger.Release{}
	}
	if h.Deployments == nil {
		h.Deployments = []ledger.Deployment{}
	}
	for _, r := range h.Releases {
		as, err := store.Approvals(ctx, r.Image, r.Version)
		if err != nil {
			return History{}, err
		}
		h.Approvals = append(h.Approvals, as...)
		rv, err := Revocation(ctx, store, r.Image, r.Version)
		if err != nil {
			return History{}, err
		}
		if rv != nil {
			h.Revocations = append(h.Revocations, *rv)
		}
		removal, err := AMIRemoval(ctx, store, r)
		if err != nil {
			return History{}, err
		}
		if removal != nil {
			h.AMIRemovals = append(h.AMIRemovals, *removal)
		}
	}
	return h, nil
}

// Deployments reads one page of deployments (all of them with q.All), and
// the Before of the next page, 0 at the first deployment. A started record
// adds nothing once its outcome is recorded; one without an outcome (under
// way, or interrupted) stays.
func Deployments(ctx context.Context, store ledger.Store, q HistoryQuery) ([]ledger.Deployment, int64, error) {
	if q.All {
		deps, err := store.Deployments(ctx, q.Image, q.Env)
		if err != nil {
			return nil, 0, err
		}
		return ledger.Finished(deps), 0, nil
	}
	// Pages of records are read until the page of deployments shown is
	// full and one more tells whether an older page exists; about half the
	// records are started records that their outcome leaves out.
	var shown []ledger.Deployment
	dq := ledger.DeploymentQuery{Image: q.Image, Env: q.Env, Before: q.Before, Limit: 2*q.Limit + 2}
	for len(shown) <= q.Limit {
		page, err := store.DeploymentPage(ctx, dq)
		if err != nil {
			return nil, 0, err
		}
		finished, err := ledger.FinishedPage(ctx, store, page)
		if err != nil {
			return nil, 0, err
		}
		shown = append(shown, finished...)
		if len(page) < dq.Limit {
			break
		}
		dq.Before = page[len(page)-1].ID
	}
	var next int64
	if len(shown) > q.Limit {
		shown = shown[:q.Limit]
		next = shown[len(shown)-1].ID
	}
	return shown, next, nil
}

// NewestFirst orders releases as history shows them: the most recently
// recorded first (a 1.0.1 hotfix recorded after 1.1.0 comes before it),
// keeping the ledger's version order between releases recorded at once.
func NewestFirst(rels []ledger.Release) {
	sort.SliceStable(rels, func(i, j int) bool { return rels[i].CreatedAt.After(rels[j].CreatedAt) })
}
