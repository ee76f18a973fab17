package ecs

import (
	"context"
	"fmt"
	"slices"
	"strings"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/targets"
)

// Detail is what an ecs target shows as its own view of what runs: the
// services and the listener's forward action.
type Detail struct {
	Services []Service `json:"services"`
	Listener string    `json:"listener"`
	Weights  []Weight  `json:"weights"`
}

// snapshot reads the services of req's image in req's environment, with
// their RUNNING tasks (Running when healthy in the service's target group)
// and their weights in the forward action.
func (t *Target) snapshot(ctx context.Context, req targets.Request) (*Detail, error) {
	e := req.Target.ECS
	services, err := t.Services(ctx, req)
	if err != nil {
		return nil, err
	}
	fw, err := t.forward(ctx, e.Listener)
	if err != nil {
		return nil, err
	}
	d := &Detail{Services: services, Listener: e.Listener, Weights: fw.Weights()}
	if len(services) == 0 {
		return d, nil
	}
	names := make([]string, len(services))
	for i, s := range services {
		names[i] = s.Name
	}
	tasks, err := t.tasksOf(ctx, e.Cluster, ecstypes.DesiredStatusRunning, names...)
	if err != nil {
		return nil, err
	}
	for i := range d.Services {
		s := &d.Services[i]
		if w, in := weightOf(d.Weights, s.TargetGroup); in {
			s.Weight = w
		}
		ts := tasks[s.Name]
		health := map[string]elbtypes.TargetHealth{}
		if len(ts) > 0 && s.TargetGroup != "" {
			if health, err = t.targetHealth(ctx, s.TargetGroup); err != nil {
				return nil, err
			}
		}
		ts = resolve(ts, health)
		s.Running, s.Healthy, _ = healthyIn(ts, health)
		for _, tk := range ts {
			if tk.status != "RUNNING" {
				continue
			}
			h, ok := health[tk.address]
			s.tasks = append(s.tasks, targets.Replica{ID: tk.id, Name: s.Name, Version: s.Version, Digest: s.Digest,
				Running: ok && h.State == elbtypes.TargetHealthStateEnumHealthy, Upstream: tk.address, Operation: s.operation})
		}
	}
	return d, nil
}

// Observe reads the services of o's image in o's environment (their tasks
// are its replicas) and the listener's weights, and compares them with the
// record.
func (t *Target) Observe(ctx context.Context, o targets.Observation) (targets.State, error) {
	req := targets.Request{Env: o.Env, Image: &config.Image{Name: o.Image}, Target: o.Target}
	d, err := t.snapshot(ctx, req)
	if err != nil {
		return targets.State{}, err
	}
	st := targets.State{Detail: d, Drift: driftOf(o.Version, d, o.Target)}
	for _, s := range d.Services {
		st.Replicas = append(st.Replicas, s.tasks...)
		where := "out of the listener"
		if s.Weight >= 0 {
			where = fmt.Sprintf("weight %d in the listener", s.Weight)
		}
		st.Lines = append(st.Lines, fmt.Sprintf("service %s (%s): %d of %d tasks running, %d healthy, %s",
			s.Name, s.Version, s.Running, s.Desired, s.Healthy, where))
	}
	st.Lines = append(st.Lines, "listener forwards to "+describeWeights(d.Weights))
	return st, nil
}

// driftOf compares an environment's record (version, "" for none) with
// what runs: the recorded release's service exists, has the target's
// number of tasks running and healthy, and its target group alone gets
// requests; every target group of the forward action is the template or
// one of the environment's services'.
func driftOf(version string, d *Detail, tgt *config.Target) []string {
	var drift []string
	want := ""
	if version != "" {
		want = tgt.ECS.ServiceName(version)
	}
	known := []string{tgt.ECS.TargetGroup}
	found := false
	for _, s := range d.Services {
		known = append(known, s.TargetGroup)
		if s.Name != want {
			if s.Weight > 0 {
				drift = append(drift, fmt.Sprintf("ECS service %s (%s) gets requests (weight %d), but the record says %s runs",
					s.Name, s.Version, s.Weight, orNone(version)))
			}
			continue
		}
		found = true
		if s.Healthy < tgt.Replicas {
			drift = append(drift, fmt.Sprintf("the record says %d tasks of %s, ECS service %s has %d running and healthy",
				tgt.Replicas, version, s.Name, s.Healthy))
		}
		if s.Weight <= 0 {
			drift = append(drift, fmt.Sprintf("ECS service %s of %s gets no requests: its target group is not in the listener's forward action with a weight", s.Name, version))
		}
	}
	if want != "" && !found {
		drift = append(drift, fmt.Sprintf("the record says %s runs, but its ECS service %s does not exist", version, want))
	}
	var foreign []string
	for _, w := range d.Weights {
		if !slices.Contains(known, w.TargetGroup) {
			foreign = append(foreign, fmt.Sprintf("%s (weight %d)", tgName(w.TargetGroup), w.Weight))
		}
	}
	if len(foreign) > 0 {
		drift = append(drift, "the listener's forward action has target group(s) of no service of the environment: "+strings.Join(foreign, ", "))
	}
	if version != "" {
		for _, w := range d.Weights {
			if w.TargetGroup == tgt.ECS.TargetGroup && w.Weight > 0 {
				drift = append(drift, fmt.Sprintf("the template target group %s gets requests (weight %d)", tgName(w.TargetGroup), w.Weight))
			}
		}
	}
	return drift
}
