package cli

import (
	"errors"
	"fmt"
	"sort"
	"strings"
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
