package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/frontdoor"
)

// frontDoors are the front doors the bake under test starts: a Caddy per
// route under its state dir.
func frontDoors() *frontdoor.Caddy {
	return &frontdoor.Caddy{StateDir: frontdoor.UserStateDir()}
}

// checkServices fails early when the engine or the registry does not answer.
func checkServices() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	eng, err := engine.Connect(ctx)
	if err != nil {
		return err
	}
	_ = eng.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:5000/v2/", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("registry on 127.0.0.1:5000: %w", err)
	}
	_ = resp.Body.Close()
	return nil
}

// containerInfo is one container bake created.
type containerInfo struct {
	Name    string
	Version string
	Env     string
	Kind    string
	Running bool
}

// listContainers lists the containers, running or not, carrying every label
// given as key=value.
func listContainers(ctx context.Context, labels ...string) ([]containerInfo, error) {
	eng, err := engine.Connect(ctx)
	if err != nil {
		return nil, err
	}
	defer eng.Close()
	list, err := eng.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: client.Filters{}.Add("label", labels...)})
	if err != nil {
		return nil, fmt.Errorf("listing containers %v: %w", labels, err)
	}
	var out []containerInfo
	for _, c := range list.Items {
		ci := containerInfo{
			Version: c.Labels[engine.LabelVersion], Env: c.Labels[engine.LabelEnv], Kind: c.Labels[engine.LabelKind],
			Running: c.State == container.StateRunning,
		}
		if len(c.Names) > 0 {
			ci.Name = c.Names[0]
		}
		out = append(out, ci)
	}
	return out, nil
}

// removeContainers force-removes every container of project, then its
// networks (its environments' networks among them).
func removeContainers(ctx context.Context, project string) error {
	eng, err := engine.Connect(ctx)
	if err != nil {
		return err
	}
	defer eng.Close()
	list, err := eng.ContainerList(ctx, client.ContainerListOptions{
		All: true, Filters: client.Filters{}.Add("label", engine.LabelProject+"="+project),
	})
	if err != nil {
		return fmt.Errorf("listing containers of %s: %w", project, err)
	}
	var errs []error
	for _, c := range list.Items {
		if err := engine.Remove(ctx, eng, c.ID); err != nil {
			errs = append(errs, err)
		}
	}
	networks, err := eng.NetworkList(ctx, client.NetworkListOptions{Filters: client.Filters{}.Add("label", engine.LabelProject+"="+project)})
	if err != nil {
		return fmt.Errorf("listing networks of %s: %w", project, err)
	}
	for _, n := range networks.Items {
		if err := engine.RemoveNetwork(ctx, eng, n.ID); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// removeImages removes the local images bake built or pulled for project.
func removeImages(ctx context.Context, project string) error {
	eng, err := engine.Connect(ctx)
	if err != nil {
		return err
	}
	defer eng.Close()
	list, err := eng.ImageList(ctx, client.ImageListOptions{Filters: client.Filters{}.Add("label", engine.LabelProject+"="+project)})
	if err != nil {
		return fmt.Errorf("listing images of %s: %w", project, err)
	}
	var errs []error
	for _, img := range list.Items {
		if _, err := eng.ImageRemove(ctx, img.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true}); err != nil {
			errs = append(errs, fmt.Errorf("removing image %s: %w", img.ID, err))
		}
	}
	return errors.Join(errs...)
}

// removeRoutes stops and deletes front doors; missing ones are fine.
func removeRoutes(ctx context.Context, ids []string) error {
	c := frontDoors()
	var errs []error
	for _, id := range ids {
		if err := c.Remove(ctx, id); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
