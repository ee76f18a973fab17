package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// StrategyCanary is a canary deployment's Strategy.
const StrategyCanary = "canary"

// IsStep reports whether d is a canary's step record: history, but neither
// an outcome nor what the environment runs.
func IsStep(d Deployment) bool { return d.Outcome == OutcomeStep }

// StepOf reports whether d is a step record of the operation whose started
// record is s: the same environment, image, kind, version and start time.
func StepOf(d, s Deployment) bool {
	return IsStep(d) && d.Env == s.Env && d.Image == s.Image && d.Kind == s.Kind &&
		d.Version == s.Version && d.StartedAt.Equal(s.StartedAt)
}

// CanaryUnderWay finds, in one environment's deployments of an image listed
// newest first, a canary under way: the newest started record, when it is
// a canary's and no outcome follows it, and the newest of its step records
// (nil before its first step change). A held canary is one whose last step
// record says Held.
func CanaryUnderWay(deps []Deployment) (started, last *Deployment, ok bool) {
	st, outcome := LastStarted(deps)
	if st == nil || outcome != nil || st.Strategy != StrategyCanary {
		return nil, nil, false
	}
	for i := range deps {
		if &deps[i] == st {
			break
		}
		if StepOf(deps[i], *st) {
			return st, &deps[i], true
		}
	}
	return st, nil, true
}

// NewestCanary is CanaryUnderWay for image in env, reading history newest
// first only as far back as the newest started record.
func NewestCanary(ctx context.Context, s Store, image, env string) (started, last *Deployment, ok bool, err error) {
	var newer []Deployment
	err = WalkDeployments(ctx, s, image, env, func(d Deployment) (bool, error) {
		newer = append(newer, d)
		return d.Outcome != OutcomeStarted, nil
	})
	if err != nil {
		return nil, nil, false, err
	}
	started, last, ok = CanaryUnderWay(newer)
	return started, last, ok, nil
}

// validateCanary checks what a canary adds to a deployment record: a step
// record says where the canary stands, and every measurement is a number
// JSON and DynamoDB can hold.
func validateCanary(d Deployment) error {
	if d.Outcome == OutcomeStep && d.Canary == nil {
		return fmt.Errorf("a step record needs the canary's progress")
	}
	for _, m := range d.Analysis {
		for _, v := range []float64{m.Canary, m.Baseline, m.Limit} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("measurement %q holds %v, which cannot be recorded: record 0 and say why in its detail", m.Name, v)
			}
		}
	}
	return nil
}

// normalizeCanary returns d as every backend reads it back: the step's end
// in UTC and no empty list of measurements, so that its hash-chain digest
// made when it is written equals the one of the record read later.
func normalizeCanary(d Deployment) Deployment {
	if d.Canary != nil {
		c := *d.Canary
		c.Until = c.Until.UTC()
		d.Canary = &c
	}
	if len(d.Analysis) == 0 {
		d.Analysis = nil
	}
	return d
}

// String says where a canary stands as history shows it: "step 2/3: 50%",
// with ", held" while it waits for `bake promote --continue`.
func (p CanaryProgress) String() string {
	s := fmt.Sprintf("step %d/%d: %d%%", p.Step, p.Steps, p.Weight)
	if p.Held {
		s += ", held"
	}
	return s
}

// MarshalJSON leaves a canary-only measurement's baseline out, since no
// baseline was measured; the others encode as always, so that the
// hash-chain digests of older records stay what they were.
func (m Measurement) MarshalJSON() ([]byte, error) {
	type plain Measurement
	if !m.CanaryOnly {
		return json.Marshal(plain(m))
	}
	return json.Marshal(struct {
		plain
		Baseline *float64 `json:"baseline,omitempty"` // hides plain's
	}{plain: plain(m)})
}

// hasBaseline reports whether m measured the baseline too: a canary-only
// value has none, nor has an older record's query (0, with no sample).
func (m Measurement) hasBaseline() bool {
	return !m.CanaryOnly && (m.Baseline != 0 || m.BaselineRequests > 0)
}

// String says what a measurement saw, in one line: "error rate 0.4%
// (baseline 0.35%, at most 1.35%): passed", or for a value held to no
// limit only the values: "latency p95 12.5ms (baseline 11ms)".
func (m Measurement) String() string {
	val := func(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) + m.Unit }
	if m.Reported {
		if m.hasBaseline() {
			return fmt.Sprintf("%s %s (baseline %s)", m.Name, val(m.Canary), val(m.Baseline))
		}
		return fmt.Sprintf("%s %s", m.Name, val(m.Canary))
	}
	bound := "at most "
	if m.Min {
		bound = "at least "
	}
	verdict := "passed"
	if !m.Passed {
		verdict = "failed"
	}
	var in []string
	switch {
	case m.hasBaseline():
		in = append(in, "baseline "+val(m.Baseline))
	case m.CanaryOnly:
		in = append(in, "canary only")
	}
	in = append(in, bound+val(m.Limit))
	return fmt.Sprintf("%s %s (%s): %s", m.Name, val(m.Canary), strings.Join(in, ", "), verdict)
}

// AnalysisLabel names the step whose analysis d's measurements are, for
// history: a step record carries the step before it ("analysis of step 1
// (10%)"), a canary's outcome its last step; deps (any order) are where the
// steps' records, and so their weights, are looked for. "analysis" when no
// step is known.
func AnalysisLabel(d Deployment, deps []Deployment) string {
	step := 0
	switch {
	case IsStep(d) && d.Canary != nil:
		step = d.Canary.Step - 1
	case d.Strategy == StrategyCanary && d.Outcome != OutcomeStarted:
		for _, o := range deps { // the newest step record of its canary
			if StepOf(o, d) && o.Canary != nil && o.Canary.Step > step {
				step = o.Canary.Step
			}
		}
	}
	if step < 1 {
		return "analysis"
	}
	for _, o := range deps {
		if StepOf(o, d) && o.Canary != nil && o.Canary.Step == step {
			return fmt.Sprintf("analysis of step %d (%d%%)", step, o.Canary.Weight)
		}
	}
	return fmt.Sprintf("analysis of step %d", step)
}

// AnalysisSummary puts a record's measurements in one line, those that
// failed first.
func AnalysisSummary(ms []Measurement) string {
	var failed, passed []string
	for _, m := range ms {
		if m.Passed {
			passed = append(passed, m.String())
		} else {
			failed = append(failed, m.String())
		}
	}
	return strings.Join(append(failed, passed...), "; ")
}
