package cli

import (
	"context"
	"errors"

	"github.com/bakehq/bake/internal/config"
)

// ErrDrift means what runs differs from the record (exit 4 with status --check).
var ErrDrift = errors.New("drift")

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
		es := envStatus{Env: env.Name}
		if cur, err := store.Current(ctx, image, env.Name); err == nil {
			es.Version, es.Digest, es.Previous = cur.Version, cur.Digest, cur.Previous
		}
		st, err := live.observe(ctx, env, image, es)
		if err != nil {
			return nil, err
		}
		for _, d := range st.Drift {
			drift = append(drift, image+" in "+env.Name+": "+d)
		}
	}
	return drift, nil
}
