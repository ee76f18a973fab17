// Package dashboard serves `bake ui`: a read-only web page of what each
// environment runs, each release and the history, read from the same ledger
// and live state as `bake status`, `bake show` and `bake history`.
package dashboard

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/status"
	"github.com/bakehq/bake/internal/targets"
)

// ErrUnknown marks a request for an image or release the project does not
// have: the page says so rather than showing an empty view.
var ErrUnknown = errors.New("unknown")

// Source is where the dashboard reads: the project, its ledger and what runs.
type Source struct {
	Project *config.Project
	// Store opens the ledger. It is called again on each read until it
	// succeeds, so a ledger recorded after the dashboard started is found.
	Store func(context.Context) (ledger.Store, error)
	// Observe reads what runs for one image in one environment and compares
	// it with the record, as for `bake status`.
	Observe func(context.Context, targets.Observation) (targets.State, error)
}

// Event is one entry of the history timeline: a deployment, or a release
// recorded.
type Event struct {
	At       time.Time `json:"at"`
	Kind     string    `json:"kind"` // release, promote, rollback or auto-rollback
	Image    string    `json:"image"`
	Version  string    `json:"version"`
	Env      string    `json:"env,omitempty"`
	Previous string    `json:"previous,omitempty"`
	// Outcome is a deployment's (succeeded, failed, step: a canary's step
	// change, or started: under way or interrupted) or a release's status
	// (validated or failed).
	Outcome string `json:"outcome"`
	By      string `json:"by"`
	Reason  string `json:"reason,omitempty"`
	ID      int64  `json:"id,omitempty"` // the deployment's, as `bake history` lists it
	// Step says where a canary stood on its step records ("step 2/3: 50%").
	Step string `json:"step,omitempty"`
	// Analysis is what a canary's analysis measured, in one line.
	Analysis string `json:"analysis,omitempty"`
	// AnalysisOf names the step that analysis judged ("analysis of step 1
	// (10%)"): a step record carries the step before it.
	AnalysisOf string `json:"analysis_of,omitempty"`
}

// TimelineQuery selects the newest events of one image (or all) in one
// environment (or all).
type TimelineQuery struct {
	Image, Env string
	Limit      int
}

// Timeline is the newest events, newest first.
type Timeline struct {
	Events []Event   `json:"events"`
	ReadAt time.Time `json:"read_at"`
}

// Timeline reads one page of each image's deployments and its newest
// releases, as `bake history` does, and merges them newest first: its cost
// follows the page, not the length of history.
func (s *Source) Timeline(ctx context.Context, q TimelineQuery) (Timeline, error) {
	images, err := s.images(q.Image)
	if err != nil {
		return Timeline{}, err
	}
	if q.Env != "" {
		if e, _ := s.Project.Environment(q.Env); e == nil {
			return Timeline{}, fmt.Errorf("%w environment %q: %s has no such environment", ErrUnknown, q.Env, s.Project.File)
		}
	}
	store, err := s.Store(ctx)
	if err != nil {
		return Timeline{}, err
	}
	events := []Event{}
	for _, image := range images {
		deps, _, err := status.Deployments(ctx, store, status.HistoryQuery{Image: image, Env: q.Env, Limit: q.Limit})
		if err != nil {
			return Timeline{}, err
		}
		for _, d := range deps {
			at := d.FinishedAt
			if d.Outcome == ledger.OutcomeStarted || at.IsZero() {
				at = d.StartedAt
			}
			ev := Event{At: at, Kind: d.Kind, Image: d.Image, Version: d.Version, Env: d.Env,
				Previous: d.Previous, Outcome: d.Outcome, By: d.By, Reason: d.Reason, ID: d.ID,
				Analysis: ledger.AnalysisSummary(d.Analysis)}
			if ledger.IsStep(d) && d.Canary != nil {
				ev.Step = d.Canary.String()
			}
			if len(d.Analysis) > 0 {
				ev.AnalysisOf = ledger.AnalysisLabel(d, deps)
			}
			events = append(events, ev)
		}
		if q.Env != "" {
			continue // releases belong to no environment
		}
		rels, err := store.Releases(ctx, image)
		if err != nil {
			return Timeline{}, err
		}
		status.NewestFirst(rels)
		for _, r := range rels[:min(len(rels), q.Limit)] {
			events = append(events, Event{At: r.CreatedAt, Kind: "release", Image: r.Image, Version: r.Version,
				Outcome: r.Status, By: r.CreatedBy, Reason: failedChecks(r)})
		}
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].At.After(events[j].At) })
	return Timeline{Events: events[:min(len(events), q.Limit)], ReadAt: time.Now().UTC()}, nil
}

// failedChecks names a release's failed checks: why it cannot be promoted.
func failedChecks(r ledger.Release) string {
	var failed []string
	for _, c := range r.Checks {
		if !c.Passed {
			failed = append(failed, c.Name)
		}
	}
	if len(failed) == 0 {
		return ""
	}
	return "failed checks: " + strings.Join(failed, ", ")
}

// images is the image asked for, or every image of the project.
func (s *Source) images(only string) ([]string, error) {
	if only != "" {
		if s.Project.Image(only) == nil {
			return nil, fmt.Errorf("%w image %q: %s has no such image", ErrUnknown, only, s.Project.File)
		}
		return []string{only}, nil
	}
	var out []string
	for _, img := range s.Project.Images {
		out = append(out, img.Name)
	}
	return out, nil
}
