package promote

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bakehq/bake/internal/ledger"
)

// CanaryState is a canary under way in an environment, as its records say:
// its started record and the newest of its step records.
type CanaryState struct {
	Started ledger.Deployment `json:"started"`
	// Step is its newest step record; nil while its replicas start, before
	// the first step.
	Step *ledger.Deployment `json:"step,omitempty"`
}

// Held reports whether the canary waits for `bake promote --continue` or `bake abort`.
func (c CanaryState) Held() bool {
	return c.Step != nil && c.Step.Canary != nil && c.Step.Canary.Held
}

// Progress is where the canary stands: its step, weight, and when the step
// ends; nil before the first step.
func (c CanaryState) Progress() *ledger.CanaryProgress {
	if c.Step == nil {
		return nil
	}
	return c.Step.Canary
}

// Began is when the step in force began: when its record was written.
func (c CanaryState) Began() time.Time {
	if c.Step == nil {
		return c.Started.StartedAt
	}
	return c.Step.FinishedAt
}

// String says where the canary stands, in one line for people.
func (c CanaryState) String() string {
	s := c.Started
	p := c.Progress()
	if p == nil {
		return fmt.Sprintf("%s@%s is starting as a canary beside %s", s.Image, s.Version, orNothing(s.Previous))
	}
	where := fmt.Sprintf("%s@%s gets %d%% of requests (step %d/%d)", s.Image, s.Version, p.Weight, p.Step, p.Steps)
	if p.Held {
		return where + ", held"
	}
	return fmt.Sprintf("%s, %s left", where, max(time.Until(p.Until), 0).Round(time.Second))
}

// CanaryUnderWay finds the canary of image in env whose outcome is not
// recorded yet: held, running, or interrupted; nil if there is none
// (ledger.NewestCanary).
func CanaryUnderWay(ctx context.Context, store ledger.Store, image, env string) (*CanaryState, error) {
	started, last, ok, err := ledger.NewestCanary(ctx, store, image, env)
	if err != nil || !ok {
		return nil, err
	}
	return &CanaryState{Started: *started, Step: last}, nil
}

// heldRefusal is the refusal of any other promote or rollback of an image
// while its canary is held, with how to go on.
func heldRefusal(c *CanaryState) error {
	s := c.Started
	return fmt.Errorf("%w: %s in %q: %s; go on with `bake promote %s --env %s --continue` or send every request back to %s with `bake abort %s --env %s`",
		ErrRefused, s.Image, s.Env, c, s.Image, s.Env, orNothing(s.Previous), s.Image, s.Env)
}

// canaryHeldGate is the unmet gate of a plan of image in env while a canary
// of it is held there, which the promote itself refuses (heldRefusal); nil
// when none is held, so plans of other targets list no such gate.
func canaryHeldGate(ctx context.Context, store ledger.Store, image, env string) (*Gate, error) {
	c, err := CanaryUnderWay(ctx, store, image, env)
	if err != nil || c == nil || !c.Held() {
		return nil, err
	}
	s := c.Started
	return &Gate{Name: "no canary held", Detail: fmt.Sprintf("%s; go on with `bake promote %s --env %s --continue` or send every request back to %s with `bake abort %s --env %s`",
		c, s.Image, env, orNothing(s.Previous), s.Image, env)}, nil
}

// continuing reports whether the lock holder h goes on with (or aborts)
// the held canary c: a `bake promote --continue` or `bake abort` of its release.
func continuing(holder string, c ledger.Deployment) bool {
	h, ok := ParseHolder(holder)
	if !ok {
		return false
	}
	what := strings.Fields(h.What)
	return len(what) >= 2 && (what[0] == ledger.KindPromote || what[0] == "abort") && what[1] == c.Image+"@"+c.Version
}
