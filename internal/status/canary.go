package status

import (
	"context"
	"time"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/promote"
)

// Canary is a canary under way in an environment: the release it tries,
// the share of requests it gets at which step, and until when (or held).
type Canary struct {
	Version string `json:"version"`
	Digest  string `json:"digest"`
	Step    int    `json:"step"` // 0 while its replicas start, before the first step
	Steps   int    `json:"steps"`
	Weight  int    `json:"weight"` // percent of requests it gets
	Held    bool   `json:"held"`   // it waits for `bake promote --continue` or `bake abort`
	// Since is when the step in force began; Until when its pause ends
	// (absent while held).
	Since time.Time  `json:"since"`
	Until *time.Time `json:"until,omitempty"`
	// Analysis is what the analysis measured over the step before the one
	// in force (none during the first step): how the canary fared so far.
	Analysis []ledger.Measurement `json:"analysis,omitempty"`
}

// canaryOf reads the canary of image under way in env, nil if none.
func canaryOf(ctx context.Context, store ledger.Store, image string, env *config.Environment) (*Canary, error) {
	st, err := promote.CanaryUnderWay(ctx, store, image, env.Name)
	if err != nil || st == nil {
		return nil, err
	}
	c := &Canary{Version: st.Started.Version, Digest: st.Started.Digest, Since: st.Began()}
	if t := env.Targets[image]; t != nil {
		c.Steps = len(t.Steps)
	}
	if p := st.Progress(); p != nil {
		c.Step, c.Steps, c.Weight, c.Held = p.Step, p.Steps, p.Weight, p.Held
		c.Analysis = st.Step.Analysis
		if !p.Held && !p.Until.IsZero() {
			until := p.Until
			c.Until = &until
		}
	}
	return c, nil
}

// canaryDigest is the digest of c's release, "" for no canary: what runs
// of it is no drift (an interrupted canary is reported as interrupted).
func canaryDigest(c *Canary) string {
	if c == nil {
		return ""
	}
	return c.Digest
}
