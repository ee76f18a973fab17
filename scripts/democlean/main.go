// Command democlean removes what the demo (scripts/demo.sh) created for the
// project in DIR: its containers and networks, its local images, its front
// doors, and DIR itself. Other projects, and the services, stay.
//
// usage: go run ./scripts/democlean DIR
//
// It is a Go program rather than a shell script because a front door is a
// Caddy process bake started, whose directory bake locks while it changes
// it: the frontdoor package stops it the way bake does.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"time"

	"github.com/moby/moby/client"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/frontdoor"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: democlean DIR   (the demo's project directory)")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := clean(ctx, os.Args[1]); err != nil {
		fmt.Fprintf(os.Stderr, "demo-clean: %v\n", err)
		os.Exit(1)
	}
}

func clean(ctx context.Context, dir string) error {
	file := filepath.Join(dir, "bake.yaml")
	if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
		if _, err := os.Stat(dir); err == nil {
			return fmt.Errorf("%s has no bake.yaml: not a demo project, left alone", dir)
		}
		fmt.Printf("demo-clean: no demo in %s, nothing to remove\n", dir)
		return nil
	}
	p, err := config.Load(file)
	if err != nil {
		return err
	}
	var errs []error
	errs = append(errs, removeDoors(ctx, p))
	errs = append(errs, removeEngineObjects(ctx, p.Name))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w\n(%s is kept: run make demo-clean again once the engine answers)", err, dir)
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	fmt.Printf("demo-clean: removed %s\n", dir)
	return nil
}

// removeDoors stops and deletes the front door of every target in bake.yaml,
// named as the docker target names them (bake-PROJECT-ENV-IMAGE).
func removeDoors(ctx context.Context, p *config.Project) error {
	doors := &frontdoor.Caddy{StateDir: frontdoor.UserStateDir()}
	var errs []error
	for _, env := range p.Environments {
		images := make([]string, 0, len(env.Targets))
		for image := range env.Targets {
			images = append(images, image)
		}
		sort.Strings(images)
		for _, image := range images {
			id := fmt.Sprintf("bake-%s-%s-%s", p.Name, env.Name, image)
			if err := doors.Remove(ctx, id); err != nil {
				errs = append(errs, err)
				continue
			}
			fmt.Printf("demo-clean: front door of %s in %s stopped and removed\n", image, env.Name)
		}
	}
	return errors.Join(errs...)
}

// removeEngineObjects removes the containers, networks and local images
// labelled with the project.
func removeEngineObjects(ctx context.Context, project string) error {
	eng, err := engine.Connect(ctx)
	if err != nil {
		return err
	}
	defer eng.Close()
	label := client.Filters{}.Add("label", engine.LabelProject+"="+project)
	var errs []error
	containers, err := eng.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: label})
	if err != nil {
		return fmt.Errorf("listing the containers of project %s: %w", project, err)
	}
	for _, c := range containers.Items {
		errs = append(errs, engine.Remove(ctx, eng, c.ID))
	}
	networks, err := eng.NetworkList(ctx, client.NetworkListOptions{Filters: label})
	if err != nil {
		return fmt.Errorf("listing the networks of project %s: %w", project, err)
	}
	for _, n := range networks.Items {
		errs = append(errs, engine.RemoveNetwork(ctx, eng, n.ID))
	}
	images, err := eng.ImageList(ctx, client.ImageListOptions{Filters: label})
	if err != nil {
		return fmt.Errorf("listing the images of project %s: %w", project, err)
	}
	removed := 0
	for _, img := range images.Items {
		if _, err := eng.ImageRemove(ctx, img.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true}); err != nil {
			errs = append(errs, fmt.Errorf("removing image %s: %w", img.ID, err))
			continue
		}
		removed++
	}
	fmt.Printf("demo-clean: removed %d containers, %d networks and %d images of project %s\n",
		len(containers.Items), len(networks.Items), removed, project)
	return errors.Join(errs...)
}
