package asg

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/targets"
)

// Inspect reads what runs for req's image in req's environment: the
// instances of each of its groups (Running when in service and healthy),
// and as upstreams the instances of the groups attached to the target's
// target groups, where the load balancer sends traffic. Upstreams is nil
// when no group is attached.
func (t *Target) Inspect(ctx context.Context, req targets.Request) (targets.Live, error) {
	groups, err := t.Groups(ctx, req.Env, req.Image.Name)
	if err != nil {
		return targets.Live{}, err
	}
	live := targets.Live{Replicas: []targets.Replica{}}
	for i := range groups {
		attached := len(attachedTo(&groups[i], req.Target.ASG.TargetGroups)) > 0
		if attached && live.Upstreams == nil {
			live.Upstreams = []string{}
		}
		for _, r := range groups[i].Instances {
			r.Upstream = r.ID
			live.Replicas = append(live.Replicas, r)
			if attached {
				live.Upstreams = append(live.Upstreams, r.ID)
			}
		}
	}
	return live, nil
}

// Recover converges an image in an environment after an interrupted
// deployment, so that exactly one release's group is in the target groups.
// With rec.Finish, a group of rec.Release that is alone in every target
// group and healthy there stays; otherwise rec.Recorded goes back in (its
// kept group scaled up again, or a new one, health-gated, then the switch),
// as Deploy does it. Then the groups the interrupted run created that do
// not serve are deleted with their launch templates, and Retire deals with
// the rest as retention says.
func (t *Target) Recover(ctx context.Context, rec targets.Recovery) (targets.Recovered, error) {
	own := name(rec.Request)
	if rec.Finish {
		alone, err := t.servesAlone(ctx, rec.Request, own)
		if err != nil {
			return targets.Recovered{}, err
		}
		if alone {
			_, err := t.waitHealthy(ctx, rec.Request, own)
			if err == nil {
				if err := t.settle(ctx, rec.Request, rec.Operation, rec.Previous); err != nil {
					return targets.Recovered{}, err
				}
				return targets.Recovered{Finished: true, Serves: rec.Release.Version}, nil
			}
			t.say("not keeping %s@%s: %v", rec.Image.Name, rec.Release.Version, err)
		}
	}
	if rec.Recorded == nil {
		return targets.Recovered{}, t.clear(ctx, rec)
	}
	back := rec.Request
	back.Release = *rec.Recorded
	if _, err := t.Deploy(ctx, back); err != nil {
		return targets.Recovered{}, fmt.Errorf("putting %s@%s back into the target groups: %w", back.Image.Name, back.Release.Version, err)
	}
	if err := t.dropTemplate(ctx, rec.Request); err != nil {
		return targets.Recovered{}, err
	}
	if err := t.settle(ctx, back, rec.Operation, rec.RecordedPrevious); err != nil {
		return targets.Recovered{}, err
	}
	return targets.Recovered{Serves: back.Release.Version}, nil
}

// servesAlone reports whether group own is in every target group of req's
// target and no other group of the environment is in any of them.
func (t *Target) servesAlone(ctx context.Context, req targets.Request, own string) (bool, error) {
	groups, err := t.Groups(ctx, req.Env, req.Image.Name)
	if err != nil {
		return false, err
	}
	tgs := req.Target.ASG.TargetGroups
	found := false
	for i := range groups {
		in := attachedTo(&groups[i], tgs)
		switch {
		case groups[i].Name == own:
			found = len(in) == len(tgs) && groups[i].Status == ""
		case len(in) > 0:
			return false, nil
		}
	}
	return found, nil
}

// settle deletes the groups operation created, other than the one serving
// req's release, with their launch templates, and retires the rest.
func (t *Target) settle(ctx context.Context, req targets.Request, operation, previous string) error {
	groups, err := t.Groups(ctx, req.Env, req.Image.Name)
	if err != nil {
		return err
	}
	for i := range groups {
		g := &groups[i]
		if g.Name == name(req) || operation == "" || g.operation != operation {
			continue
		}
		if err := t.drop(ctx, req, g); err != nil {
			return err
		}
	}
	return t.Retire(ctx, req, previous)
}

// clear undoes an interrupted first deployment, when nothing is recorded
// to go back to: the groups the interrupted run created are deleted, and
// any other group of its release leaves the target groups.
func (t *Target) clear(ctx context.Context, rec targets.Recovery) error {
	groups, err := t.Groups(ctx, rec.Env, rec.Image.Name)
	if err != nil {
		return err
	}
	for i := range groups {
		g := &groups[i]
		switch {
		case rec.Operation != "" && g.operation == rec.Operation:
			if err := t.drop(ctx, rec.Request, g); err != nil {
				return err
			}
		case g.Version == rec.Release.Version:
			if tgs := attachedTo(g, rec.Target.ASG.TargetGroups); len(tgs) > 0 {
				if err := t.detach(ctx, g.Name, tgs); err != nil {
					return err
				}
				t.step(progress.Retired, "took %s (%s) out of the target groups: nothing is recorded to serve there", g.Name, g.Version)
			}
		}
	}
	return t.dropTemplate(ctx, rec.Request)
}

// drop takes a group the interrupted run left out of the target groups
// and deletes it with its launch template.
func (t *Target) drop(ctx context.Context, req targets.Request, g *Group) error {
	if tgs := attachedTo(g, req.Target.ASG.TargetGroups); len(tgs) > 0 {
		if err := t.detach(ctx, g.Name, tgs); err != nil {
			return err
		}
	}
	if g.Status == "" {
		if err := t.deleteGroup(ctx, g.Name); err != nil {
			return err
		}
	}
	if err := t.deleteTemplate(ctx, cmp.Or(g.launchTemplate, g.Name)); err != nil {
		return err
	}
	t.step(progress.Retired, "deleted %s and its launch template (left by the interrupted run)", g.Name)
	return nil
}

// dropTemplate deletes the launch template of req's release when it has no
// group: a run killed between creating the two leaves it behind.
func (t *Target) dropTemplate(ctx context.Context, req targets.Request) error {
	groups, err := t.Groups(ctx, req.Env, req.Image.Name)
	if err != nil {
		return err
	}
	own := name(req)
	if slices.ContainsFunc(groups, func(g Group) bool { return g.Name == own }) {
		return nil
	}
	return t.deleteTemplate(ctx, own)
}
