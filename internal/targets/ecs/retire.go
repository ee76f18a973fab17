package ecs

import (
	"context"
	"errors"

	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/targets"
)

// fate is what Retire does with one service.
type fate struct {
	service *Service
	what    targets.Fate
}

// fates decides what becomes of each service of the environment but the
// one serving, by the rule every target type shares (targets.Fates).
func fates(services []Service, serving string, req targets.Request, previousVersion string) []fate {
	kept := make([]targets.Kept, len(services))
	byName := make(map[string]*Service, len(services))
	for i := range services {
		kept[i] = services[i].kept()
		byName[services[i].Name] = &services[i]
	}
	decisions := targets.Fates(kept, serving, req, previousVersion)
	out := make([]fate, len(decisions))
	for i, d := range decisions {
		out[i] = fate{service: byName[d.Name], what: d.Fate}
	}
	return out
}

// Retire deals with every service of the environment that does not serve
// the release req deployed: the service of the release it replaced is kept
// warm (running, its target group at weight 0 in the forward action),
// scaled to zero with its target group out of the forward action, or
// deleted with its target group and task definition revision, as req.Keep
// says; older ones are scaled to zero while fewer than req.Releases are
// kept, and deleted beyond that. Every target group that leaves the
// forward action leaves it in one listener change, before any service
// is scaled or deleted.
func (t *Target) Retire(ctx context.Context, req targets.Request, previousVersion string) error {
	services, err := t.Services(ctx, req)
	if err != nil {
		return err
	}
	fs := fates(services, serviceName(req), req, previousVersion)
	if len(fs) == 0 {
		return nil
	}
	fw, err := t.forward(ctx, req.Target.ECS.Listener)
	if err != nil {
		return err
	}
	ws := fw.Weights()
	var drop []string
	for _, f := range fs {
		if _, in := weightOf(ws, f.service.TargetGroup); in && f.what != targets.FateWarm {
			drop = append(drop, f.service.TargetGroup)
		}
	}
	if len(drop) > 0 {
		if left := without(ws, drop...); left != nil {
			if err := t.setWeights(ctx, fw, left); err != nil {
				return err
			}
			t.step(progress.Retired, "took %d target group(s) out of the listener's forward action: %s", len(drop), describeWeights(left))
		}
	}
	var errs []error
	for _, f := range fs {
		if err := t.retire(ctx, req, f); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (t *Target) retire(ctx context.Context, req targets.Request, f fate) error {
	s, cluster := f.service, req.Target.ECS.Cluster
	if s.Status != "ACTIVE" {
		return nil // ECS is deleting it already
	}
	switch f.what {
	case targets.FateWarm:
		if s.Desired > 0 {
			t.step(progress.Retired, "kept %s running at weight 0 (warm, %d tasks)", s.Name, s.Desired)
		}
	case targets.FateStop:
		if s.Desired == 0 {
			return nil
		}
		if err := t.scale(ctx, cluster, s.Name, 0); err != nil {
			return err
		}
		t.step(progress.Retired, "scaled %s to zero (kept for rollback)", s.Name)
	case targets.FateRemove:
		if err := t.remove(ctx, cluster, s); err != nil {
			return err
		}
		t.step(progress.Retired, "deleted %s, its target group and its task definition revision", s.Name)
	}
	return nil
}

// remove deletes a service, then its target group and task definition
// revision; the target group must be out of the listener already.
func (t *Target) remove(ctx context.Context, cluster string, s *Service) error {
	if err := t.deleteService(ctx, cluster, s.Name); err != nil {
		return err
	}
	if err := t.deleteTargetGroup(ctx, s.TargetGroup); err != nil {
		return err
	}
	return t.deleteTaskDefinition(ctx, s.TaskDefinition)
}
