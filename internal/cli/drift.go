package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/bakehq/bake/internal/config"
)

// ErrDrift means what runs differs from the record (exit 4 with status --check).
var ErrDrift = errors.New("drift")

// driftOf compares an environment's record (version, digest) with what runs:
// exactly `replicas` running replicas of the recorded digest, nothing else
// running but replicas of version warm (the release it replaced, when the
// environment keeps it warm; "" for none), and the front door sending
// traffic to exactly the replicas of the recorded digest.
func driftOf(es envStatus, replicas int, warm string) []string {
	var drift []string
	var current, others []string
	serving := map[string]bool{}
	for _, r := range es.Replicas {
		if !r.Running {
			continue
		}
		switch {
		case es.Digest != "" && r.Digest == es.Digest:
			current = append(current, r.Upstream)
			serving[r.Upstream] = true
		case warm != "" && r.Version == warm:
		default:
			others = append(others, fmt.Sprintf("%s (%s)", r.Name, r.Version))
		}
	}
	if es.Version == "" {
		if len(others) > 0 {
			drift = append(drift, fmt.Sprintf("nothing is recorded, but %s run", strings.Join(others, ", ")))
		}
		return drift
	}
	if len(current) != replicas {
		drift = append(drift, fmt.Sprintf("the record says %d running replicas of %s, the engine runs %d", replicas, es.Version, len(current)))
	}
	if len(others) > 0 {
		drift = append(drift, fmt.Sprintf("replicas not in the record run: %s", strings.Join(others, ", ")))
	}
	ups := append([]string{}, es.Upstreams...)
	sort.Strings(ups)
	want := append([]string{}, current...)
	sort.Strings(want)
	if strings.Join(ups, ",") != strings.Join(want, ",") {
		drift = append(drift, fmt.Sprintf("the front door sends traffic to [%s], the running replicas of %s are [%s]",
			strings.Join(ups, " "), es.Version, strings.Join(want, " ")))
	}
	return drift
}

// envDrift compares what runs for images in env with the record, as
// `bake status --check` does.
func (f *Factory) envDrift(ctx context.Context, p *config.Project, env *config.Environment, images []string) ([]string, error) {
	store, err := f.Store(ctx)
	if err != nil {
		return nil, err
	}
	live := f.liveView(ctx, p)
	var drift []string
	for _, image := range images {
		tgt := env.Targets[image]
		es := envStatus{Env: env.Name}
		cur, err := store.Current(ctx, image, env.Name)
		if err == nil {
			es.Version, es.Digest, es.Previous = cur.Version, cur.Digest, cur.Previous
		}
		var found []string
		if tgt.Type == config.TargetASG {
			if live.asg == nil {
				continue
			}
			if err := live.fillASG(ctx, &es, env.Name, image); err != nil {
				return nil, err
			}
			found = asgDriftOf(es, tgt)
		} else {
			if live.docker == nil {
				_, err := f.Engine(ctx) // says why the engine cannot be read
				return nil, err
			}
			live.fill(ctx, &es, env.Name, image)
			warm := ""
			if env.Retention.Previous == config.KeepWarm {
				warm = es.Previous
			}
			found = driftOf(es, tgt.Replicas, warm)
		}
		for _, d := range found {
			drift = append(drift, image+" in "+env.Name+": "+d)
		}
	}
	return drift, nil
}
