package kubernetes

import (
	"context"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/targets"
)

// Plan says what Deploy and Retire would do for req, changing nothing:
// the namespace, the release's Deployment and the Service are applied as
// a server-side dry run, so each change and the diff of its spec is what
// the API server would make of it, defaults and admission included; then
// what Retire does to every other Deployment. Its lists name Deployments.
func (t *Target) Plan(ctx context.Context, req targets.Request, previousVersion string) (targets.Plan, error) {
	cl, err := t.client(ctx, req.Target)
	if err != nil {
		return targets.Plan{}, err
	}
	cs := cl.Clientset
	s, err := t.read(ctx, cs, req)
	if err != nil {
		return targets.Plan{}, err
	}
	rolling := req.Target.Strategy == config.Rolling
	strategy := config.BlueGreen
	name := DeploymentName(req.Image.Name, req.Release.Version)
	if rolling {
		strategy, name = config.Rolling, RollingName(req.Image.Name)
	}
	p := targets.Plan{Strategy: strategy, Keep: req.Keep, Reuse: []string{}, Restart: []string{}, Warm: []string{},
		Stop: []string{}, Remove: []string{}, Start: int(replicasOf(req)),
		Switch: fmt.Sprintf("Service %s/%s", s.namespace, s.serviceName)}

	nsChange, nsExists, err := t.namespaceChange(ctx, cs, req)
	if err != nil {
		return targets.Plan{}, err
	}
	p.Changes = append(p.Changes, nsChange)

	live := s.deployment(name)
	var meta *metav1.ObjectMeta
	if live != nil {
		meta = &live.ObjectMeta
	}
	var obj *appsv1ac.DeploymentApplyConfiguration
	if rolling {
		obj, err = t.rollingFor(req, meta)
	} else {
		obj, err = t.deploymentFor(req, meta)
	}
	if err != nil {
		return targets.Plan{}, err
	}
	if n := canaryStart(req, s, previousVersion); n > 0 {
		obj.Spec.WithReplicas(n)
	}
	switch {
	case live != nil && !rolling && warm(live, obj):
		p.Reuse, p.Start = append(p.Reuse, name), 0
		p.Changes = append(p.Changes, targets.Change{Kind: "Deployment", Name: name, Action: targets.ActionKeep})
	default:
		if live != nil && !rolling && desired(live) == 0 {
			p.Restart, p.Start = append(p.Restart, name), 0
		}
		c, err := deploymentChange(ctx, cs, obj, live, nsExists)
		if err != nil {
			return targets.Plan{}, err
		}
		p.Changes = append(p.Changes, c)
	}

	selector := ServiceSelector(t.project, req.Env, req.Image.Name, req.Release.Version)
	if rolling {
		selector = RollingSelector(t.project, req.Env, req.Image.Name)
	}
	c, err := serviceChange(ctx, cs, t.serviceFor(req, selector), s.service, nsExists)
	if err != nil {
		return targets.Plan{}, err
	}
	p.Changes = append(p.Changes, c)

	retired, err := t.retirePlan(&p, req, s, name, previousVersion)
	if err != nil {
		return targets.Plan{}, err
	}
	p.Changes = append(p.Changes, retired...)
	p.Steps = planSteps(p, req, previousVersion, nsExists)
	t.canaryPlan(&p, req, s, previousVersion)
	return p, nil
}

// retirePlan fills p's Warm, Stop and Remove as Retire would decide for
// every Deployment but serving, and returns their changes.
func (t *Target) retirePlan(p *targets.Plan, req targets.Request, s snapshot, serving, previousVersion string) ([]targets.Change, error) {
	rolling := req.Target.Strategy == config.Rolling
	var kept []targets.Kept
	byName := map[string]*appsv1.Deployment{}
	var out []targets.Change
	for i := range s.deployments {
		d := &s.deployments[i]
		if d.DeletionTimestamp != nil || d.Name == serving {
			continue
		}
		if (d.Labels[LabelRolling] == "true") != rolling || rolling {
			p.Remove = append(p.Remove, d.Name)
			c, err := retireChange(d, targets.FateRemove)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
			continue
		}
		kept = append(kept, targets.Kept{Name: d.Name, Version: versionOf(d), Created: createdAt(d)})
		byName[d.Name] = d
	}
	for _, f := range targets.Fates(kept, serving, req, previousVersion) {
		d := byName[f.Name]
		switch {
		case f.Fate == targets.FateWarm:
			p.Warm = append(p.Warm, d.Name)
		case f.Fate == targets.FateStop && desired(d) > 0:
			p.Stop = append(p.Stop, d.Name)
		case f.Fate == targets.FateRemove:
			p.Remove = append(p.Remove, d.Name)
		}
		c, err := retireChange(d, f.Fate)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// planSteps says in words what p does, for `bake promote --plan`.
func planSteps(p targets.Plan, req targets.Request, current string, nsExists bool) []string {
	var out []string
	line := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	tgt := req.Target
	n := replicasOf(req)
	name := DeploymentName(req.Image.Name, req.Release.Version)
	if !nsExists {
		line("create namespace %s", strings.SplitN(strings.TrimPrefix(p.Switch, "Service "), "/", 2)[0])
	}
	switch {
	case p.Strategy == config.Rolling:
		line("roll Deployment %s to %s@%s one pod at a time (a new pod available before an old one goes): %d pods",
			RollingName(req.Image.Name), req.Image.Name, req.Release.Version, n)
	case len(p.Reuse) > 0:
		line("use Deployment %s, kept warm", name)
	case len(p.Restart) > 0:
		line("scale Deployment %s (kept for rollback) back up to %d pods", name, n)
	default:
		line("apply Deployment %s: %d x %s", name, n, req.Release.Reference)
	}
	line("wait until every pod is updated and available (within %s)", tgt.HealthTimeout)
	line("point %s at %s@%s in one apply", p.Switch, req.Image.Name, req.Release.Version)
	line("record the deployment")
	if tgt.Watch > 0 {
		line("watch the pods for %s; on failure switch back to %s and pin %s there", tgt.Watch, orNone(current), req.Env)
	}
	if len(p.Warm) > 0 {
		line("keep Deployment %s running out of the Service (warm) for rollback", strings.Join(p.Warm, ", "))
	}
	if len(p.Stop) > 0 {
		line("scale Deployment %s to zero, kept for rollback", strings.Join(p.Stop, ", "))
	}
	if len(p.Remove) > 0 {
		line("delete Deployment %s", strings.Join(p.Remove, ", "))
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
