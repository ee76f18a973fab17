package ledger

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
	current := ""
	seen := map[string]bool{}
	movedAway := map[string]bool{} // by a rollback newer than the deployments still to walk
	for _, d := range deps {
		if d.Outcome != OutcomeSucceeded {
			continue
		}
		switch {
		case current == "":
			current = d.Version
			seen[d.Version] = true
		case !seen[d.Version] && !movedAway[d.Version]:
			seen[d.Version] = true
			out = append(out, d)
		}
		if IsRollback(d.Kind) && d.Previous != "" {
			movedAway[d.Previous] = true
		}
	}
	return out
}
