// Package gc finds and removes what no environment needs any more: replica
// containers, local engine images and registry manifests of releases that
// nothing runs, that are not among an environment's last rollback
// candidates, and that are not waiting for promotion (see Protect). The
// ledger is never changed: every release stays in the history.
package gc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/moby/moby/client"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/registry"
)

// Kind is what sort of thing an Item is.
type Kind string

// Kinds, in the order gc removes them: replicas hold local images (and
// AMI, kind of its own file, comes last).
const (
	Replica  Kind = "replica"  // a replica container of a release
	Image    Kind = "image"    // a local engine image, with its references
	Manifest Kind = "manifest" // a registry manifest, with the tags that point at it
)

// Item is one thing gc removes, or would remove with a dry run.
type Item struct {
	Kind     Kind     `json:"kind"`
	Name     string   `json:"name"`           // container name, image reference or id, registry reference
	ID       string   `json:"id,omitempty"`   // container or image id
	Refs     []string `json:"refs,omitempty"` // image: the references removed with it
	Image    string   `json:"image,omitempty"`
	Releases []string `json:"releases"`      // image@version it holds; empty for an untagged image
	Env      string   `json:"env,omitempty"` // replica: its environment
	Digest   string   `json:"digest,omitempty"`
	// Platforms are a manifest's platform images, by manifest digest, when
	// it is the index of a multi-platform release: deleted after it.
	Platforms []string `json:"platforms,omitempty"`
	// AMIs are an ami item's machine images, by region, and Snapshots
	// their EBS snapshots (deleted after them).
	AMIs      map[string]string   `json:"amis,omitempty"`
	Snapshots map[string][]string `json:"snapshots,omitempty"` // by region
	Removed   bool                `json:"removed"`
	Error     string              `json:"error,omitempty"`
}

// Ledger is what gc reads from the record, and the locks it takes.
type Ledger interface {
	Releases(ctx context.Context, image string) ([]ledger.Release, error)
	Deployments(ctx context.Context, image, env string) ([]ledger.Deployment, error)
	Current(ctx context.Context, image, env string) (ledger.Deployment, error)
	Revocation(ctx context.Context, image, version string) (ledger.Revocation, error)
	AMIRemoval(ctx context.Context, image, version string) (ledger.AMIRemoval, error)
	RecordAMIRemoval(ctx context.Context, r ledger.AMIRemoval) error
	Lock(ctx context.Context, key, holder string, ttl time.Duration) (ledger.Lock, error)
	Unlock(ctx context.Context, l ledger.Lock) error
}

// Collector finds and removes a project's garbage.
type Collector struct {
	Project *config.Project
	Ledger  Ledger
	Engine  *client.Client
	// AMIs adds the AMIs of releases to what gc removes (`gc --amis`,
	// retention.amis); AWS reaches them, called only then.
	AMIs bool
	AWS  func(ctx context.Context) (*AWS, error)
	// User and Operation are who runs gc and the run's id, recorded with
	// an AMI removal.
	User, Operation string

	registries map[string]*registry.Client // by host: the project's and environments' registries, made on first use
}

// Lock takes every environment's lock, the one promote and rollback take
// ("env/NAME"), so that no deployment starts replicas or pulls a release
// while gc decides and removes. It returns the function that releases them.
func (c *Collector) Lock(ctx context.Context, user string) (func(), error) {
	host, _ := os.Hostname()
	holder := fmt.Sprintf("%s on %s (pid %d, gc)", user, host, os.Getpid())
	var held []ledger.Lock
	unlock := func() {
		for _, l := range held {
			_ = c.Ledger.Unlock(context.WithoutCancel(ctx), l)
		}
	}
	for _, e := range c.Project.Environments {
		l, err := c.Ledger.Lock(ctx, ledger.EnvLockKey(e.Name), holder, ledger.EnvLockTTL)
		if err != nil {
			unlock()
			return nil, fmt.Errorf("collecting garbage: %w", err)
		}
		held = append(held, l)
	}
	return unlock, nil
}

// Find decides what is protected and lists everything else gc would
// remove: replicas, then local images, then registry manifests. It changes
// nothing. A manifest whose presence could not be checked is listed with
// its Error set.
func (c *Collector) Find(ctx context.Context) (*Protection, []Item, error) {
	histories, err := c.histories(ctx)
	if err != nil {
		return nil, nil, err
	}
	prot := Protect(c.Project.Environments, histories)
	cat := newCatalog(c.Project, histories)
	replicas, err := c.findReplicas(ctx, cat, prot)
	if err != nil {
		return nil, nil, err
	}
	images, err := c.findImages(ctx, cat, prot)
	if err != nil {
		return nil, nil, err
	}
	manifests := c.findManifests(ctx, cat.manifests(prot))
	items := append(append(replicas, images...), manifests...)
	if c.AMIs {
		amis, err := c.findAMIs(ctx, cat, prot)
		if err != nil {
			return nil, nil, err
		}
		items = append(items, amis...)
	}
	return prot, items, nil
}

// histories reads the record of every image in bake.yaml.
func (c *Collector) histories(ctx context.Context) ([]History, error) {
	var out []History
	for _, img := range c.Project.Images {
		h := History{Image: img.Name, Current: map[string]ledger.Deployment{}, Revoked: map[string]bool{}}
		var err error
		if h.Releases, err = c.Ledger.Releases(ctx, img.Name); err != nil {
			return nil, err
		}
		for _, r := range h.Releases {
			_, err := c.Ledger.Revocation(ctx, r.Image, r.Version)
			switch {
			case err == nil:
				h.Revoked[r.Version] = true
			case !errors.Is(err, ledger.ErrNotFound):
				return nil, err
			}
		}
		if h.Deployments, err = c.Ledger.Deployments(ctx, img.Name, ""); err != nil {
			return nil, err
		}
		for _, e := range c.Project.Environments {
			d, err := c.Ledger.Current(ctx, img.Name, e.Name)
			switch {
			case err == nil:
				h.Current[e.Name] = d
			case !errors.Is(err, ledger.ErrNotFound):
				return nil, err
			}
		}
		out = append(out, h)
	}
	return out, nil
}

// Remove removes every item that has no error yet, replicas first, marking
// each Removed or recording its Error. Something already gone counts as
// removed. The error names every item left in place.
func (c *Collector) Remove(ctx context.Context, items []Item) error {
	for _, kind := range []Kind{Replica, Image, Manifest, AMI} {
		for i := range items {
			it := &items[i]
			if it.Kind != kind || it.Error != "" || it.Removed {
				continue
			}
			var err error
			switch kind {
			case Replica:
				err = c.removeReplica(ctx, *it)
			case Image:
				err = c.removeImage(ctx, *it)
			case Manifest:
				err = c.removeManifest(ctx, *it)
			case AMI:
				err = c.removeAMI(ctx, *it)
			}
			if err != nil {
				it.Error = err.Error()
				continue
			}
			it.Removed = true
		}
	}
	return Failed(items)
}

// Failed returns an error naming every item with an Error, or nil.
func Failed(items []Item) error {
	var msgs []string
	for _, it := range items {
		if it.Error != "" {
			msgs = append(msgs, fmt.Sprintf("%s %s: %s", it.Kind, it.Name, it.Error))
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return fmt.Errorf("collecting garbage: %d of %d left in place: %s", len(msgs), len(items), strings.Join(msgs, "; "))
}
