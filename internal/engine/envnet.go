package engine

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// envNetworks serialises this process's creation of an environment's
// network; EnsureNetwork also settles a race with another process.
var envNetworks sync.Mutex

// EnsureNetwork returns the id of the bridge network name, creating it with
// labels when there is none: an environment's replicas share it, and
// bridges of their own keep other environments' containers out (the
// engine drops traffic between its bridges). An engine of API 1.41 lets
// two networks have one name: when two bake runs both create it, each keeps
// the oldest and removes its own.
func EnsureNetwork(ctx context.Context, eng *client.Client, name string, labels map[string]string) (string, error) {
	envNetworks.Lock()
	defer envNetworks.Unlock()
	if n, err := networkNamed(ctx, eng, name); err != nil {
		return "", err
	} else if n != nil {
		return n.ID, sameOwner(name, n.Labels, labels)
	}
	created, err := createNetwork(ctx, eng, name, client.NetworkCreateOptions{Driver: "bridge", Labels: labels})
	if err != nil {
		return "", err
	}
	n, err := networkNamed(ctx, eng, name)
	if err != nil {
		return "", err
	}
	if n == nil {
		return "", fmt.Errorf("network %s is gone right after it was created: try again", name)
	}
	if n.ID != created {
		_ = RemoveNetwork(ctx, eng, created)
	}
	return n.ID, sameOwner(name, n.Labels, labels)
}

// sameOwner refuses a network of the name that another project's or
// environment's labels claim: names join project and environment with
// "-", which both may contain (project shop's api-dev and project
// shop-api's dev are both bake-shop-api-dev), and sharing it would let
// each one's replicas reach the other's.
func sameOwner(name string, have, want map[string]string) error {
	if have[LabelProject] == want[LabelProject] && have[LabelEnv] == want[LabelEnv] {
		return nil
	}
	owner := "no bake environment"
	if have[LabelProject] != "" {
		owner = fmt.Sprintf("project %s's environment %s", have[LabelProject], have[LabelEnv])
	}
	return fmt.Errorf("network %s, which project %s's environment %s would use, belongs to %s: "+
		"rename the environment (or the project) so the two names differ", name, want[LabelProject], want[LabelEnv], owner)
}

// networkNamed returns the oldest network named exactly name, nil when
// there is none.
func networkNamed(ctx context.Context, eng *client.Client, name string) (*network.Summary, error) {
	list, err := eng.NetworkList(ctx, client.NetworkListOptions{Filters: client.Filters{}.Add("name", name)})
	if err != nil {
		return nil, fmt.Errorf("listing networks named %q: %w", name, err)
	}
	var same []network.Summary
	for _, n := range list.Items {
		if n.Name == name { // the engine's filter matches any part of the name
			same = append(same, n)
		}
	}
	if len(same) == 0 {
		return nil, nil
	}
	sort.Slice(same, func(i, j int) bool {
		if !same[i].Created.Equal(same[j].Created) {
			return same[i].Created.Before(same[j].Created)
		}
		return same[i].ID < same[j].ID
	})
	return &same[0], nil
}
