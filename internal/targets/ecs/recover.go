package ecs

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/targets"
)

// Recover converges an image in an environment after an interrupted
// deployment, so that exactly one release's target group gets the
// listener's requests. With rec.Finish, a service of rec.Release whose
// target group alone gets requests, and whose tasks are healthy there,
// stays; otherwise rec.Recorded goes back in (its kept service scaled up
// again, or a new one, health-gated, then the switch), as Deploy does it.
// Then the services the interrupted run created that do not serve are
// deleted with their target groups and revisions, a target group it
// created for a service it never made leaves the listener and is deleted,
// and Retire deals with the rest as retention says.
func (t *Target) Recover(ctx context.Context, rec targets.Recovery) (targets.Recovered, error) {
	own := serviceName(rec.Request)
	if rec.Finish {
		s, alone, err := t.servesAlone(ctx, rec.Request, own)
		if err != nil {
			return targets.Recovered{}, err
		}
		if alone {
			_, err := t.waitHealthy(ctx, rec.Request, own, s.TargetGroup)
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
		return targets.Recovered{}, fmt.Errorf("putting %s@%s back into the listener: %w", back.Image.Name, back.Release.Version, err)
	}
	if err := t.dropOrphanGroup(ctx, rec.Request); err != nil {
		return targets.Recovered{}, err
	}
	if err := t.settle(ctx, back, rec.Operation, rec.RecordedPrevious); err != nil {
		return targets.Recovered{}, err
	}
	return targets.Recovered{Serves: back.Release.Version}, nil
}

// servesAlone returns service own, and whether its target group is the
// only one of the forward action that gets requests.
func (t *Target) servesAlone(ctx context.Context, req targets.Request, own string) (*Service, bool, error) {
	s, err := t.service(ctx, req.Target.ECS.Cluster, own)
	if err != nil || s == nil || s.TargetGroup == "" {
		return nil, false, err
	}
	fw, err := t.forward(ctx, req.Target.ECS.Listener)
	if err != nil {
		return nil, false, err
	}
	in := serving(fw.Weights())
	return s, len(in) == 1 && in[0] == s.TargetGroup, nil
}

// settle deletes the services operation created, other than the one
// serving req's release, and retires the rest.
func (t *Target) settle(ctx context.Context, req targets.Request, operation, previous string) error {
	services, err := t.Services(ctx, req)
	if err != nil {
		return err
	}
	for i := range services {
		s := &services[i]
		if s.Name == serviceName(req) || operation == "" || s.operation != operation {
			continue
		}
		if err := t.drop(ctx, req, s); err != nil {
			return err
		}
	}
	return t.Retire(ctx, req, previous)
}

// clear undoes an interrupted first deployment, when nothing is recorded
// to go back to: what the interrupted run created is deleted, and any
// other service of its release leaves the listener.
func (t *Target) clear(ctx context.Context, rec targets.Recovery) error {
	services, err := t.Services(ctx, rec.Request)
	if err != nil {
		return err
	}
	for i := range services {
		s := &services[i]
		switch {
		case rec.Operation != "" && s.operation == rec.Operation:
			if err := t.drop(ctx, rec.Request, s); err != nil {
				return err
			}
		case s.Version == rec.Release.Version:
			if err := t.leave(ctx, rec.Request, s.TargetGroup); err != nil {
				return err
			}
			t.step(progress.Retired, "took %s (%s) out of the listener: nothing is recorded to serve there", s.Name, s.Version)
		}
	}
	return t.dropOrphanGroup(ctx, rec.Request)
}

// drop takes a service the interrupted run left out of the listener and
// deletes it with its target group and task definition revision.
func (t *Target) drop(ctx context.Context, req targets.Request, s *Service) error {
	if err := t.leave(ctx, req, s.TargetGroup); err != nil {
		return err
	}
	if err := t.remove(ctx, req.Target.ECS.Cluster, s); err != nil {
		return err
	}
	t.step(progress.Retired, "deleted %s, its target group and revision (left by the interrupted run)", s.Name)
	return nil
}

// leave takes tg out of the listener's forward action, if it is there and
// is not the only group in it.
func (t *Target) leave(ctx context.Context, req targets.Request, tg string) error {
	fw, err := t.forward(ctx, req.Target.ECS.Listener)
	if err != nil {
		return err
	}
	ws := fw.Weights()
	if _, in := weightOf(ws, tg); !in {
		return nil
	}
	left := without(ws, tg)
	if left == nil {
		return fmt.Errorf("target group %s is the only one in the listener's forward action: bake leaves it there", tgName(tg))
	}
	return t.setWeights(ctx, fw, left)
}

// dropOrphanGroup deletes the target group of req's release when the
// release has no service: a run killed between creating the two leaves it
// behind, perhaps in the listener at weight 0.
func (t *Target) dropOrphanGroup(ctx context.Context, req targets.Request) error {
	name := serviceName(req)
	s, err := t.service(ctx, req.Target.ECS.Cluster, name)
	if err != nil || s != nil {
		return err
	}
	out, err := t.ELB.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{Names: []string{TargetGroupName(t.Project, req.Env, name)}})
	if err != nil {
		if isCode(err, "TargetGroupNotFound") {
			return nil
		}
		return fmt.Errorf("looking for the target group of %s: %w", name, err)
	}
	for _, tg := range out.TargetGroups {
		arn := aws.ToString(tg.TargetGroupArn)
		if err := t.leave(ctx, req, arn); err != nil {
			return err
		}
		if err := t.deleteTargetGroup(ctx, arn); err != nil {
			return err
		}
		t.step(progress.Retired, "deleted target group %s (left by the interrupted run)", tgName(arn))
	}
	return nil
}
