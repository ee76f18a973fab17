package cli

import (
	"context"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/promote"
	"github.com/bakehq/bake/internal/status"
	"github.com/bakehq/bake/internal/targets"
)

// ErrDrift means what runs differs from the record (exit 4 with status --check).
var ErrDrift = status.ErrDrift

// envDrift compares what runs for images in env with the record, as
// `bake status --check` does.
func (f *Factory) envDrift(ctx context.Context, p *config.Project, env *config.Environment, images []string) ([]string, error) {
	store, err := f.Store(ctx)
	if err != nil {
		return nil, err
	}
	live := f.liveTargets(ctx, p)
	var drift []string
	for _, image := range images {
		o := targets.Observation{Env: env.Name, Image: image, Target: env.Targets[image], Keep: env.Retention.Previous}
		if cur, err := store.Current(ctx, image, env.Name); err == nil {
			o.Version, o.Digest, o.Previous = cur.Version, cur.Digest, cur.Previous
		}
		// A canary under way (held, say) owns its share of the requests and
		// its replicas, as status says: they are no drift here either.
		c, err := promote.CanaryUnderWay(ctx, store, image, env.Name)
		if err != nil {
			return nil, err
		}
		if c != nil {
			o.Canary = c.Started.Digest
		}
		st, err := live.observe(ctx, o)
		if err != nil {
			return nil, err
		}
		for _, d := range st.Drift {
			drift = append(drift, image+" in "+env.Name+": "+d)
		}
	}
	return drift, nil
}
