package sweep

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/cenkalti/backoff/v5"

	"github.com/bakehq/bake/internal/awsx"
)

// forwardSite is a listener, or one of its rules, with its actions.
type forwardSite struct {
	arn     string
	rule    bool
	actions []elbtypes.Action
}

// forwardSites reads the listeners (default actions and rules) of the ECS
// places and of the load balancers lbs.
func (s *AWSSweeper) forwardSites(ctx context.Context, c *awsx.Clients, lbs []string) ([]forwardSite, error) {
	var listeners []string
	addListener := func(arn string) {
		if arn != "" && !slices.Contains(listeners, arn) {
			listeners = append(listeners, arn)
		}
	}
	for _, p := range s.ECS {
		addListener(listenerOf(p.Listener))
	}
	for _, lb := range lbs {
		pages := elbv2.NewDescribeListenersPaginator(c.ELB, &elbv2.DescribeListenersInput{LoadBalancerArn: aws.String(lb)})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if isCode(err, "LoadBalancerNotFound") {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("listing the listeners of %s: %w", lb, err)
			}
			for _, l := range page.Listeners {
				addListener(aws.ToString(l.ListenerArn))
			}
		}
	}
	var out []forwardSite
	for _, l := range listeners {
		got, err := c.ELB.DescribeListeners(ctx, &elbv2.DescribeListenersInput{ListenerArns: []string{l}})
		if isCode(err, "ListenerNotFound") {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading listener %s: %w", l, err)
		}
		for _, li := range got.Listeners {
			out = append(out, forwardSite{arn: aws.ToString(li.ListenerArn), actions: li.DefaultActions})
		}
		in := &elbv2.DescribeRulesInput{ListenerArn: aws.String(l)}
		for {
			rules, err := c.ELB.DescribeRules(ctx, in)
			if err != nil {
				return nil, fmt.Errorf("reading the rules of listener %s: %w", l, err)
			}
			for _, r := range rules.Rules {
				if !aws.ToBool(r.IsDefault) {
					out = append(out, forwardSite{arn: aws.ToString(r.RuleArn), rule: true, actions: r.Actions})
				}
			}
			if aws.ToString(rules.NextMarker) == "" {
				break
			}
			in.Marker = rules.NextMarker
		}
	}
	return out, nil
}

// forwardWeights is, for every target group a forward action of the sites
// names, the largest weight it has there: above 0, it gets requests.
func (s *AWSSweeper) forwardWeights(ctx context.Context, c *awsx.Clients, groups []taggedGroup) (map[string]int32, error) {
	var lbs []string
	for _, g := range groups {
		lbs = append(lbs, g.group.LoadBalancerArns...)
	}
	sites, err := s.forwardSites(ctx, c, lbs)
	if err != nil {
		return nil, err
	}
	out := map[string]int32{}
	for _, site := range sites {
		for _, a := range site.actions {
			for tg, w := range forwardWeightsOf(a) {
				out[tg] = max(out[tg], w)
			}
		}
	}
	return out, nil
}

// forwardWeightsOf lists the target groups of a forward action with their
// weights; one named alone gets weight 1 (every request).
func forwardWeightsOf(a elbtypes.Action) map[string]int32 {
	out := map[string]int32{}
	if a.Type != elbtypes.ActionTypeEnumForward {
		return out
	}
	if a.ForwardConfig != nil && len(a.ForwardConfig.TargetGroups) > 0 {
		for _, tg := range a.ForwardConfig.TargetGroups {
			w := int32(1)
			if tg.Weight != nil {
				w = *tg.Weight
			}
			out[aws.ToString(tg.TargetGroupArn)] = w
		}
	} else if a.TargetGroupArn != nil {
		out[*a.TargetGroupArn] = 1
	}
	return out
}

// removeECS removes one ECS leftover.
func (s *AWSSweeper) removeECS(ctx context.Context, c *awsx.Clients, l Leftover) error {
	switch l.Resource {
	case ECSService:
		cluster, ok := s.ecsClusters[l.ID]
		if !ok {
			return fmt.Errorf("ECS service %q: not one this sweep found", l.Name)
		}
		// Scaled to zero first, so that its tasks stop whatever the deletion does.
		_, err := c.ECS.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String(cluster), Service: aws.String(l.ID), DesiredCount: aws.Int32(0)})
		if err != nil && !isCode(err, "ServiceNotFoundException", "ServiceNotActiveException") {
			return fmt.Errorf("scaling ECS service %q to 0: %w", l.Name, err)
		}
		_, err = c.ECS.DeleteService(ctx, &ecs.DeleteServiceInput{Cluster: aws.String(cluster), Service: aws.String(l.ID), Force: aws.Bool(true)})
		if err != nil && !isCode(err, "ServiceNotFoundException", "ServiceNotActiveException") {
			return fmt.Errorf("deleting ECS service %q: %w", l.Name, err)
		}
		return nil
	case TargetGroup:
		if err := s.leaveListeners(ctx, c, l.ID); err != nil {
			return fmt.Errorf("target group %q: %w", l.Name, err)
		}
		// ELB counts a group in use for a while after its service or
		// listener let go of it.
		_, err := backoff.Retry(ctx, func() (struct{}, error) {
			_, err := c.ELB.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(l.ID)})
			switch {
			case err == nil || isCode(err, "TargetGroupNotFound"):
				return struct{}{}, nil
			case isCode(err, "ResourceInUse"):
				return struct{}{}, err
			}
			return struct{}{}, backoff.Permanent(err)
		}, backoff.WithMaxElapsedTime(2*time.Minute))
		if err != nil {
			return fmt.Errorf("deleting target group %q: %w", l.Name, err)
		}
		return nil
	case TaskDefinition:
		_, err := c.ECS.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String(l.ID)})
		if err != nil && !isCode(err, "ClientException", "ResourceNotFoundException") {
			return fmt.Errorf("deregistering task definition %s: %w", l.Name, err)
		}
		out, err := c.ECS.DeleteTaskDefinitions(ctx, &ecs.DeleteTaskDefinitionsInput{TaskDefinitions: []string{l.ID}})
		if err != nil {
			return fmt.Errorf("deleting task definition %s: %w", l.Name, err)
		}
		for _, f := range out.Failures {
			return fmt.Errorf("deleting task definition %s: %s", l.Name, aws.ToString(f.Reason))
		}
		return nil
	}
	return fmt.Errorf("unknown resource %q", l.Resource)
}

// leaveListeners takes target group tg out of every forward action it is
// in at weight 0; one that gives it requests, or has no other group, is
// left as it is and the group with it.
func (s *AWSSweeper) leaveListeners(ctx context.Context, c *awsx.Clients, tg string) error {
	got, err := c.ELB.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{tg}})
	if isCode(err, "TargetGroupNotFound") {
		return nil
	}
	if err != nil {
		return err
	}
	var lbs []string
	for _, g := range got.TargetGroups {
		lbs = append(lbs, g.LoadBalancerArns...)
	}
	sites, err := s.forwardSites(ctx, c, lbs)
	if err != nil {
		return err
	}
	var errs []error
	for _, site := range sites {
		actions, changed, err := withoutGroup(site.actions, tg)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", site.arn, err))
			continue
		}
		if !changed {
			continue
		}
		if site.rule {
			_, err = c.ELB.ModifyRule(ctx, &elbv2.ModifyRuleInput{RuleArn: aws.String(site.arn), Actions: actions})
		} else {
			_, err = c.ELB.ModifyListener(ctx, &elbv2.ModifyListenerInput{ListenerArn: aws.String(site.arn), DefaultActions: actions})
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("taking it out of the forward action of %s: %w", site.arn, err))
		}
	}
	return errors.Join(errs...)
}

// withoutGroup returns actions with tg taken out of their forward actions,
// and whether that changed anything; an error when tg gets requests there
// or is the only group.
func withoutGroup(actions []elbtypes.Action, tg string) ([]elbtypes.Action, bool, error) {
	out := slices.Clone(actions)
	changed := false
	for i, a := range out {
		ws := forwardWeightsOf(a)
		w, in := ws[tg]
		if !in {
			continue
		}
		if w > 0 {
			return nil, false, fmt.Errorf("its forward action sends it requests (weight %d): left in place", w)
		}
		if len(ws) == 1 {
			return nil, false, errors.New("it is the only group of its forward action: left in place")
		}
		cfg := &elbtypes.ForwardActionConfig{TargetGroupStickinessConfig: a.ForwardConfig.TargetGroupStickinessConfig}
		for _, g := range a.ForwardConfig.TargetGroups {
			if aws.ToString(g.TargetGroupArn) != tg {
				cfg.TargetGroups = append(cfg.TargetGroups, g)
			}
		}
		a.ForwardConfig, a.TargetGroupArn = cfg, nil
		out[i], changed = a, true
	}
	return out, changed, nil
}
