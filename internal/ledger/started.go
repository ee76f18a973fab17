package ledger

// Finishes reports whether d records the outcome of the operation whose
// started record is s: the same environment, image, kind, version and start
// time, and an outcome other than started.
func Finishes(d, s Deployment) bool {
	return d.Outcome != OutcomeStarted && d.Env == s.Env && d.Image == s.Image && d.Kind == s.Kind &&
		d.Version == s.Version && d.StartedAt.Equal(s.StartedAt)
}

// LastStarted returns, from one environment's deployments of an image
// listed newest first, the newest started record and the record of its
// outcome if one follows it.
func LastStarted(deps []Deployment) (started, outcome *Deployment) {
	for i := range deps {
		if deps[i].Outcome != OutcomeStarted {
			continue
		}
		for j := i - 1; j >= 0; j-- {
			if Finishes(deps[j], deps[i]) {
				return &deps[i], &deps[j]
			}
		}
		return &deps[i], nil
	}
	return nil, nil
}

// Finished leaves out of deployments the started records whose outcome is
// recorded: the outcome record says everything they do. A started record
// with no outcome (an operation under way, or interrupted) stays.
func Finished(deps []Deployment) []Deployment {
	out := make([]Deployment, 0, len(deps))
	for i, d := range deps {
		if d.Outcome == OutcomeStarted && finishedLater(deps[:i], d) {
			continue
		}
		out = append(out, d)
	}
	return out
}

// finishedLater reports whether newer (listed newest first) holds s's outcome.
func finishedLater(newer []Deployment, s Deployment) bool {
	for _, d := range newer {
		if Finishes(d, s) {
			return true
		}
	}
	return false
}
