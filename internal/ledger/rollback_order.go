package ledger

import "context"

// RollbackOrder is the rule for "the previous good release": from an
// environment's deployments, newest first, it lists the releases a
// rollback walks back through, nearest first, one deployment per version.
//
// The previous good release is the newest release, other than the one the
// environment runs, that was deployed there successfully and that no
// rollback (manual or automatic) has moved the environment away from since
// that deployment. A release a rollback moved away from counts as good
// again once it is deployed there successfully later. Failed and started
// records never count. Revoked releases are left to the caller, which
// skips them and says so.
func RollbackOrder(deps []Deployment) []Deployment {
	var out []Deployment
	w := NewRollbackWalk()
	for _, d := range deps {
		if w.Next(d) {
			out = append(out, d)
		}
	}
	return out
}

// RollbackWalk applies RollbackOrder's rule to deployments fed one at a
// time, newest first, so a caller can stop at the first release it takes
// without reading older history.
type RollbackWalk struct {
	current   string
	seen      map[string]bool
	movedAway map[string]bool // by a rollback newer than the deployments still to walk
}

// NewRollbackWalk starts a walk at an environment's newest deployment.
func NewRollbackWalk() *RollbackWalk {
	return &RollbackWalk{seen: map[string]bool{}, movedAway: map[string]bool{}}
}

// Next takes the next older deployment and reports whether it is the next
// release a rollback walks back to.
func (w *RollbackWalk) Next(d Deployment) bool {
	if d.Outcome != OutcomeSucceeded {
		return false
	}
	take := false
	switch {
	case w.current == "":
		w.current = d.Version
		w.seen[d.Version] = true
	case !w.seen[d.Version] && !w.movedAway[d.Version]:
		w.seen[d.Version] = true
		take = true
	}
	if IsRollback(d.Kind) && d.Previous != "" {
		w.movedAway[d.Previous] = true
	}
	return take
}

// WalkRollbackOrder visits, nearest first, the releases a rollback of
// image in env walks back through (RollbackOrder), reading history newest
// first a page at a time, until visit returns false.
func WalkRollbackOrder(ctx context.Context, s Store, image, env string, visit func(Deployment) (more bool, err error)) error {
	w := NewRollbackWalk()
	return WalkDeployments(ctx, s, image, env, func(d Deployment) (bool, error) {
		if !w.Next(d) {
			return true, nil
		}
		return visit(d)
	})
}
