package asg

import (
	"context"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/targets"
	"github.com/bakehq/bake/internal/targets/ssmpointer"
)

// Point writes the environment's SSM parameter after dep was recorded:
// the release's version, digest and AMIs (ssmpointer.Pointer).
func (t *Target) Point(ctx context.Context, req targets.Request, dep ledger.Deployment) error {
	name, err := ssmpointer.Write(ctx, t.SSM, t.Project, req.Image.Name, req.Env, ssmpointer.Pointer{
		Version: dep.Version, Digest: dep.Digest, AMIs: req.Release.AMIs, DeployedAt: dep.FinishedAt,
	})
	if err != nil {
		return err
	}
	t.say("wrote %s: %s@%s", name, req.Image.Name, dep.Version)
	return nil
}
