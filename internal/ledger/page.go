package ledger

import (
	"context"
	"errors"
)

// DeploymentQuery selects one page of an image's deployments.
type DeploymentQuery struct {
	Image string
	Env   string // "" for every environment
	// Before keeps only deployments with a smaller id: the next page after
	// one that ended with that id. 0 starts from the newest.
	Before int64
	// After, when not 0, keeps only deployments with a larger id and lists
	// them oldest first: what was recorded after a given deployment.
	After int64
	// Limit is the most deployments the page holds; it must be positive.
	Limit int
}

// ErrNoLimit: a DeploymentQuery without a positive Limit.
var ErrNoLimit = errors.New("a page of deployments needs a positive limit")

// Validate rejects a query a backend cannot answer in bounded time.
func (q DeploymentQuery) Validate() error {
	switch {
	case q.Image == "":
		return errors.New("listing deployments: image is empty")
	case q.Limit <= 0:
		return ErrNoLimit
	case q.Before < 0 || q.After < 0:
		return errors.New("listing deployments: ids are positive")
	}
	return nil
}

// Page sizes of WalkDeployments: the first page is small because most
// walks stop within a few records of the newest; later pages grow so a
// walk over long history takes few round trips.
const (
	firstWalkPage = 16
	maxWalkPage   = 1024
)

// WalkDeployments visits the deployments of image (in env, if env != ""),
// newest first, reading them a page at a time, until visit returns false or
// history ends. Callers that stop at what they look for read only as far
// back as that.
func WalkDeployments(ctx context.Context, s Store, image, env string, visit func(Deployment) (more bool, err error)) error {
	return walk(ctx, s, DeploymentQuery{Image: image, Env: env},
		func(q *DeploymentQuery, last Deployment) { q.Before = last.ID }, visit)
}

// WalkDeploymentsAfter visits the deployments of image in env recorded
// after the one with id after, oldest first, until visit returns false or
// history ends.
func WalkDeploymentsAfter(ctx context.Context, s Store, image, env string, after int64, visit func(Deployment) (more bool, err error)) error {
	return walk(ctx, s, DeploymentQuery{Image: image, Env: env, After: after},
		func(q *DeploymentQuery, last Deployment) { q.After = last.ID }, visit)
}

// walk reads pages of q, growing from firstWalkPage to maxWalkPage, and
// moves q past each page's last record with next.
func walk(ctx context.Context, s Store, q DeploymentQuery, next func(q *DeploymentQuery, last Deployment), visit func(Deployment) (bool, error)) error {
	q.Limit = firstWalkPage
	for {
		page, err := s.DeploymentPage(ctx, q)
		if err != nil {
			return err
		}
		for _, d := range page {
			more, err := visit(d)
			if err != nil || !more {
				return err
			}
		}
		if len(page) < q.Limit {
			return nil
		}
		next(&q, page[len(page)-1])
		q.Limit = min(4*q.Limit, maxWalkPage)
	}
}
