package config

import (
	"math"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Canary limits and the analysis a canary gets when bake.yaml says nothing.
const (
	MaxCanarySteps              = 10
	DefaultAnalysisInterval     = 5 * time.Second
	DefaultMinRequests          = 50
	DefaultMaxErrorRateIncrease = 0.01
	DefaultMaxLatencyIncrease   = 0.25
	DefaultConfidence           = 0.95
)

// CanaryStep is one step of a canary: a share of requests sent to the new
// release, held for a while.
type CanaryStep struct {
	// Weight is the percent of requests the new release gets, 1 to 99,
	// greater than the step before's.
	Weight int `yaml:"weight" bake:"required"`
	// Pause is how long the step lasts, analysed throughout.
	Pause time.Duration `yaml:"pause" bake:"required"`
}

// Analysis says how a canary's steps are judged: the requests the front
// door served to each release are compared, and, with a Prometheus, the
// values of queries are checked. Percentages are written with a % sign.
type Analysis struct {
	// Interval is how often during a step the canary is analysed, 1s to 1m.
	Interval time.Duration `yaml:"interval" default:"5s"`
	// MinRequests is how many responses the canary must have served in a
	// step before it is judged (0: steps move on by time alone). This and
	// the three below are measured at the front door: docker targets only.
	MinRequests int `yaml:"min_requests" default:"50"`
	// MaxErrorRateIncrease is how much higher the canary's share of 5xx
	// responses may be than the old release's, in percentage points (1%:
	// 1.5% against 0.5% passes), 0% to 100%.
	MaxErrorRateIncrease float64 `yaml:"max_error_rate_increase" default:"1%" bake:"percent"`
	// MaxLatencyIncrease is how much slower the canary's median response
	// may be than the old release's, relative to it (25%: 125 ms against
	// 100 ms passes), 0% to 1000%.
	MaxLatencyIncrease float64 `yaml:"max_latency_increase" default:"25%" bake:"percent"`
	// Confidence is how sure the statistical tests must be that the canary
	// is worse before it fails, 50% to 99.99%, over a step's analyses
	// together: those before the step's end are held to a stricter level,
	// so a good canary fails a step no more often than 100% minus it.
	Confidence float64 `yaml:"confidence" default:"95%" bake:"percent"`
	// Prometheus is the http(s) URL of a Prometheus on loopback whose
	// queries also judge each step ("" for none).
	Prometheus string `yaml:"prometheus"`
	// Queries are what is asked of Prometheus at each analysis: required
	// with prometheus, and only with it.
	Queries []MetricQuery `yaml:"queries"`
}

// MetricQuery is a PromQL query whose value must stay within limits.
type MetricQuery struct {
	Name string `yaml:"name" bake:"required"` // unique within the analysis; what a failure names
	// Query is the PromQL query, answered with one value; it may use
	// {{ .Image }}, {{ .Env }}, {{ .Version }} (the canary's) and
	// {{ .Baseline }} (the version it is compared with).
	Query string   `yaml:"query" bake:"required"`
	Max   *float64 `yaml:"max"` // the greatest value that passes; max, min or both
	Min   *float64 `yaml:"min"` // the least value that passes
	// At is where bake.yaml sets the query, for a problem Prometheus finds
	// with it later (bake asks before a canary starts): Msg is empty.
	At Error `yaml:"-"`
}

// defaultAnalysis is the analysis of a canary whose bake.yaml has none.
func defaultAnalysis() *Analysis {
	return &Analysis{Interval: DefaultAnalysisInterval, MinRequests: DefaultMinRequests,
		MaxErrorRateIncrease: DefaultMaxErrorRateIncrease, MaxLatencyIncrease: DefaultMaxLatencyIncrease,
		Confidence: DefaultConfidence}
}

// canary decodes a docker target's steps: and analysis: and checks them
// against its strategy: a canary needs steps, and only a canary has them.
func (d *decoder) canary(path string, s *section, t *Target) {
	steps, analysis := s.Get("steps"), s.Get("analysis")
	if t.Strategy == "" {
		return // a strategy bake could not read: reported already
	}
	if t.Strategy != Canary {
		for _, k := range []string{"steps", "analysis"} {
			if s.Key(k) != nil {
				d.Errorf(s.Key(k), join(path, k), "only applies to strategy %q; remove it or set strategy: %s", Canary, Canary)
			}
		}
		return
	}
	if steps == nil {
		if !s.Misspelt("steps") {
			at := s.Key("steps")
			if at == nil {
				at = s.Key("strategy")
			}
			d.Errorf(at, join(path, "steps"), "required with strategy canary: a list such as [{weight: 10, pause: 1m}, {weight: 50, pause: 2m}]")
		}
	} else {
		t.Steps = d.canarySteps(join(path, "steps"), steps)
	}
	t.Analysis = defaultAnalysis()
	if analysis != nil {
		d.analysis(join(path, "analysis"), s.Key("analysis"), analysis, t.Analysis)
	}
}

// canarySteps decodes a canary's steps: 1 to 10, weights rising from 1 to 99.
func (d *decoder) canarySteps(path string, n *yaml.Node) []CanaryStep {
	if n.Kind != yaml.SequenceNode {
		d.Errorf(n, path, "expected a list of steps such as [{weight: 10, pause: 1m}], got %s", describe(n))
		return nil
	}
	if len(n.Content) == 0 || len(n.Content) > MaxCanarySteps {
		d.Errorf(n, path, "must have 1 to %d steps, got %d", MaxCanarySteps, len(n.Content))
		return nil
	}
	out := make([]CanaryStep, 0, len(n.Content))
	for i, item := range n.Content {
		spath := index(path, i)
		s, ok := d.Section(spath, resolve(item), item, fileKeys[CanaryStep]("")...)
		if !ok {
			continue
		}
		var step CanaryStep
		if v := s.Require("weight"); v != nil {
			w, ok := d.number(join(spath, "weight"), v, 1, 99)
			if ok && len(out) > 0 && w <= out[len(out)-1].Weight {
				d.Errorf(v, join(spath, "weight"), "must be greater than the step before's %d: weights rise step by step (100 comes on its own after the last)", out[len(out)-1].Weight)
			}
			step.Weight = w
		}
		if v := s.Require("pause"); v != nil {
			step.Pause, _ = d.duration(join(spath, "pause"), v)
		}
		out = append(out, step)
	}
	return out
}

// asgCanary reports a canary on an asg target, which deploys blue/green
// only, in one line: strategy: canary if it is there, else its steps: or
// analysis:. It returns the keys it took care of, for the section's check
// of unknown keys to leave alone.
func (d *decoder) asgCanary(path string, n *yaml.Node) []string {
	var keys []string
	var first *yaml.Node
	firstKey := ""
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		switch {
		case k.Value == "strategy" && v.Kind == yaml.ScalarNode && v.Value == Canary:
			first, firstKey = v, "strategy"
		case k.Value == "steps" || k.Value == "analysis":
			if first == nil {
				first, firstKey = k, k.Value
			}
		default:
			continue
		}
		keys = append(keys, k.Value)
	}
	if first != nil {
		d.Errorf(first, join(path, firstKey), "canary is for docker targets; an asg target replaces its group blue/green: remove %s", strings.Join(keys, " and "))
	}
	return keys
}

// Percent formats a fraction as bake.yaml writes it: 0.01 as "1%".
func Percent(f float64) string {
	// Rounded to 4 places so that 0.07 reads 7%, not 7.000000000000001%.
	return strconv.FormatFloat(math.Round(f*1e6)/1e4, 'f', -1, 64) + "%"
}
