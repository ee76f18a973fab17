package ledger

import "context"

// Finishes reports whether d records the outcome of the operation whose
// started record is s: the same environment, image, kind, version and start
// time, and an outcome other than started (a canary's step record is not
// an outcome either).
func Finishes(d, s Deployment) bool {
	return d.Outcome != OutcomeStarted && d.Outcome != OutcomeStep && d.Env == s.Env && d.Image == s.Image && d.Kind == s.Kind &&
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

// NewestStarted returns the newest started record of image in env and the
// record of its outcome if one follows it, as LastStarted does, reading
// history newest first only as far back as that started record.
func NewestStarted(ctx context.Context, s Store, image, env string) (started, outcome *Deployment, err error) {
	var newer []Deployment
	err = WalkDeployments(ctx, s, image, env, func(d Deployment) (bool, error) {
		if d.Outcome != OutcomeStarted {
			newer = append(newer, d)
			return true, nil
		}
		started = &d
		for i := len(newer) - 1; i >= 0; i-- { // oldest of the newer first, as LastStarted
			if Finishes(newer[i], d) {
				outcome = &newer[i]
				break
			}
		}
		return false, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return started, outcome, nil
}

// FinishedPage leaves out of one page of deployments (newest first) the
// started records whose outcome is recorded, as Finished does for the
// whole history; an outcome newer than the page is looked up after it.
func FinishedPage(ctx context.Context, s Store, page []Deployment) ([]Deployment, error) {
	out := make([]Deployment, 0, len(page))
	for i, d := range page {
		if d.Outcome == OutcomeStarted {
			done := finishedLater(page[:i], d)
			if !done {
				var err error
				if done, err = finishedAfter(ctx, s, d); err != nil {
					return nil, err
				}
			}
			if done {
				continue
			}
		}
		out = append(out, d)
	}
	return out, nil
}

// finishedAfter reports whether the outcome of the started record st is
// recorded after it. Operations in one environment take turns (the
// environment's lock, and recover-first), so the outcome is the next record
// there when there is one, or follows a canary's step records (at most a
// few dozen); looking a little further costs little.
func finishedAfter(ctx context.Context, s Store, st Deployment) (bool, error) {
	done, looked := false, 0
	err := WalkDeploymentsAfter(ctx, s, st.Image, st.Env, st.ID, func(d Deployment) (bool, error) {
		done = Finishes(d, st)
		looked++
		return !done && looked < outcomeLookahead, nil
	})
	return done, err
}

// outcomeLookahead bounds how many later records finishedAfter reads.
const outcomeLookahead = 64
