package sweep

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cenkalti/backoff/v5"
	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/bakehq/bake/internal/engine"
)

// order is the rank of each resource in removal order.
var order = map[Resource]int{Container: 0, Network: 1, Volume: 2}

// Remove removes every leftover, containers first (they hold networks and
// volumes), marking each Removed or recording its Error. One that is already
// gone counts as removed. The error names every leftover that could not be
// removed.
func (s *Sweeper) Remove(ctx context.Context, items []Leftover) error {
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return order[items[a].Resource] - order[items[b].Resource] })
	var errs []error
	for _, i := range idx {
		it := &items[i]
		if err := s.remove(ctx, *it); err != nil {
			it.Error = err.Error()
			errs = append(errs, err)
			continue
		}
		it.Removed = true
	}
	if len(errs) > 0 {
		return fmt.Errorf("sweeping: %d of %d left in place: %w", len(errs), len(items), errors.Join(errs...))
	}
	return nil
}

func (s *Sweeper) remove(ctx context.Context, it Leftover) error {
	switch it.Resource {
	case Container:
		return s.removeContainer(ctx, it)
	case Network:
		return retry(ctx, fmt.Sprintf("removing network %q", it.Name), func(ctx context.Context) error {
			_, err := s.Engine.NetworkRemove(ctx, it.ID, client.NetworkRemoveOptions{})
			return err
		})
	case Volume:
		return retry(ctx, fmt.Sprintf("removing volume %q", it.Name), func(ctx context.Context) error {
			_, err := s.Engine.VolumeRemove(ctx, it.Name, client.VolumeRemoveOptions{Force: true})
			return err
		})
	}
	return fmt.Errorf("removing %s %q: unknown resource", it.Resource, it.Name)
}

// removeContainer force-removes a container and waits until the engine no
// longer lists it. An engine lists a container it is still creating, yet
// answers "no such container" when asked to remove it, so a remove that
// reports nothing to do is only trusted once the listing agrees.
func (s *Sweeper) removeContainer(ctx context.Context, it Leftover) error {
	return retry(ctx, fmt.Sprintf("removing container %q", it.Name), func(ctx context.Context) error {
		if err := engine.Remove(ctx, s.Engine, it.ID); err != nil {
			return backoff.Permanent(err)
		}
		list, err := s.Engine.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: client.Filters{}.Add("id", it.ID)})
		if err != nil {
			return err
		}
		if len(list.Items) > 0 {
			return errors.New("still listed by the engine")
		}
		return nil
	})
}

// retry calls op until it succeeds, finds nothing to remove, or 10 seconds
// pass: a container removed a moment ago may still hold its network or
// volume on the engine's side.
func retry(ctx context.Context, what string, op func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		err := op(ctx)
		if err == nil || cerrdefs.IsNotFound(err) {
			return struct{}{}, nil
		}
		return struct{}{}, err
	}, backoff.WithBackOff(backoff.NewConstantBackOff(250*time.Millisecond)), backoff.WithMaxElapsedTime(10*time.Second))
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
