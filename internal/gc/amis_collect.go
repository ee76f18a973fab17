package gc

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bakehq/bake/internal/ledger"
)

// findAMIs lists the releases whose AMIs gc removes (catalog.amis), with
// their snapshots, and adds to prot.Kept the releases an Auto Scaling
// group's launch template keeps. AWS is reached only when some release
// has AMIs that no rule keeps.
func (c *Collector) findAMIs(ctx context.Context, cat *catalog, prot *Protection) ([]Item, error) {
	removed := map[string]bool{}
	for _, r := range cat.releases {
		if len(r.AMIs) == 0 {
			continue
		}
		_, err := c.Ledger.AMIRemoval(ctx, r.Image, r.Version)
		switch {
		case err == nil:
			removed[r.Image+"@"+r.Version] = true
		case !errors.Is(err, ledger.ErrNotFound):
			return nil, err
		}
	}
	if items, _ := cat.amis(prot, removed, nil); len(items) == 0 {
		return nil, nil
	}
	a, err := c.AWS(ctx)
	if err != nil {
		return nil, err
	}
	referenced, err := a.referenced(ctx, c.Project.Name)
	if err != nil {
		return nil, err
	}
	items, kept := cat.amis(prot, removed, referenced)
	prot.Kept = append(prot.Kept, kept...)
	for i := range items {
		a.snapshots(ctx, &items[i])
	}
	return items, nil
}

// removeAMI deregisters a release's AMIs, deletes their snapshots, and
// records the removal: from then on the release cannot be deployed.
func (c *Collector) removeAMI(ctx context.Context, it Item) error {
	a, err := c.AWS(ctx)
	if err != nil {
		return err
	}
	if err := a.removeAMIs(ctx, it); err != nil {
		return err
	}
	image, version, _ := strings.Cut(it.Releases[0], "@")
	err = c.Ledger.RecordAMIRemoval(context.WithoutCancel(ctx), ledger.AMIRemoval{
		Image: image, Version: version, AMIs: it.AMIs, Operation: c.Operation, By: c.User, At: time.Now().UTC(),
	})
	if err != nil && !errors.Is(err, ledger.ErrExists) {
		return fmt.Errorf("the AMIs are gone, but %w", err)
	}
	return nil
}
