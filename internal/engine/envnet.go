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
	if id, err := networkNamed(ctx, eng, name); err != nil || id != "" {
		return id, err
	}
	created, err := createNetwork(ctx, eng, name, client.NetworkCreateOptions{Driver: "bridge", Labels: labels})
	if err != nil {
		return "", err
	}
	id, err := networkNamed(ctx, eng, name)
	if err != nil {
		return "", err
	}
	if id != created {
		_ = RemoveNetwork(ctx, eng, created)
	}
	return id, nil
}

// networkNamed returns the id of the oldest network named exactly name, ""
// when there is none.
func networkNamed(ctx context.Context, eng *client.Client, name string) (string, error) {
	list, err := eng.NetworkList(ctx, client.NetworkListOptions{Filters: client.Filters{}.Add("name", name)})
	if err != nil {
		return "", fmt.Errorf("listing networks named %q: %w", name, err)
	}
	var same []network.Summary
	for _, n := range list.Items {
		if n.Name == name { // the engine's filter matches any part of the name
			same = append(same, n)
		}
	}
	if len(same) == 0 {
		return "", nil
	}
	sort.Slice(same, func(i, j int) bool {
		if !same[i].Created.Equal(same[j].Created) {
			return same[i].Created.Before(same[j].Created)
		}
		return same[i].ID < same[j].ID
	})
	return same[0].ID, nil
}
