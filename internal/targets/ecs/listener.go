package ecs

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// Weight is one target group of a forward action and the share of the
// requests it gets, relative to the others' weights.
type Weight struct {
	TargetGroup string `json:"target_group"` // ARN
	Weight      int32  `json:"weight"`
}

// Forward is the forward action of a listener or of one of its rules,
// with the actions around it, as read: what bake changes and puts back.
type Forward struct {
	ARN     string            // the listener's or the rule's
	Actions []elbtypes.Action // all of them, the forward one at index
	index   int
}

// isRule reports whether arn names a listener rule rather than a listener.
func isRule(arn string) bool { return strings.Contains(arn, ":listener-rule/") }

// Weights lists the forward action's target groups with their weights; a
// forward action to a single target group gives it weight 1.
func (f *Forward) Weights() []Weight {
	a := f.Actions[f.index]
	if a.ForwardConfig != nil && len(a.ForwardConfig.TargetGroups) > 0 {
		out := make([]Weight, 0, len(a.ForwardConfig.TargetGroups))
		for _, tg := range a.ForwardConfig.TargetGroups {
			w := int32(1)
			if tg.Weight != nil {
				w = *tg.Weight
			}
			out = append(out, Weight{TargetGroup: aws.ToString(tg.TargetGroupArn), Weight: w})
		}
		return out
	}
	if a.TargetGroupArn != nil {
		return []Weight{{TargetGroup: *a.TargetGroupArn, Weight: 1}}
	}
	return nil
}

// With returns the actions with the forward action's target groups and
// weights replaced by ws; the other actions, and the action's stickiness,
// stay as they are.
func (f *Forward) With(ws []Weight) []elbtypes.Action {
	out := slices.Clone(f.Actions)
	a := out[f.index]
	cfg := &elbtypes.ForwardActionConfig{}
	if a.ForwardConfig != nil {
		cfg.TargetGroupStickinessConfig = a.ForwardConfig.TargetGroupStickinessConfig
	}
	for _, w := range ws {
		cfg.TargetGroups = append(cfg.TargetGroups, elbtypes.TargetGroupTuple{
			TargetGroupArn: aws.String(w.TargetGroup), Weight: aws.Int32(w.Weight),
		})
	}
	a.ForwardConfig = cfg
	a.TargetGroupArn = nil // only ForwardConfig may name more than one group
	out[f.index] = a
	return out
}

// joined is ws with tg added at weight 0, where the load balancer checks
// its targets' health without sending it requests; ws if tg is in it.
func joined(ws []Weight, tg string) []Weight {
	if slices.ContainsFunc(ws, func(w Weight) bool { return w.TargetGroup == tg }) {
		return ws
	}
	return append(slices.Clone(ws), Weight{TargetGroup: tg})
}

// switched is ws with tg at weight 100 and every other group at 0: all
// requests go to tg, the others stay in the action out of traffic.
func switched(ws []Weight, tg string) []Weight {
	out := make([]Weight, 0, len(ws)+1)
	for _, w := range joined(ws, tg) {
		if w.TargetGroup == tg {
			w.Weight = 100
		} else {
			w.Weight = 0
		}
		out = append(out, w)
	}
	return out
}

// without is ws without the target groups drop; nil if that would leave
// the action with no group (which ELB refuses).
func without(ws []Weight, drop ...string) []Weight {
	out := slices.DeleteFunc(slices.Clone(ws), func(w Weight) bool { return slices.Contains(drop, w.TargetGroup) })
	if len(out) == 0 {
		return nil
	}
	return out
}

// serving lists the target groups of ws that get requests.
func serving(ws []Weight) []string {
	var out []string
	for _, w := range ws {
		if w.Weight > 0 {
			out = append(out, w.TargetGroup)
		}
	}
	return out
}

// weightOf is tg's weight in ws, and whether it is there.
func weightOf(ws []Weight, tg string) (int32, bool) {
	for _, w := range ws {
		if w.TargetGroup == tg {
			return w.Weight, true
		}
	}
	return 0, false
}

// forward reads the forward action of arn, a listener or a listener rule.
func (t *Target) forward(ctx context.Context, arn string) (*Forward, error) {
	var actions []elbtypes.Action
	if isRule(arn) {
		out, err := t.ELB.DescribeRules(ctx, &elbv2.DescribeRulesInput{RuleArns: []string{arn}})
		if err != nil {
			return nil, fmt.Errorf("reading listener rule %s: %w", arn, err)
		}
		if len(out.Rules) == 0 {
			return nil, fmt.Errorf("listener rule %s does not exist", arn)
		}
		actions = out.Rules[0].Actions
	} else {
		out, err := t.ELB.DescribeListeners(ctx, &elbv2.DescribeListenersInput{ListenerArns: []string{arn}})
		if err != nil {
			return nil, fmt.Errorf("reading listener %s: %w", arn, err)
		}
		if len(out.Listeners) == 0 {
			return nil, fmt.Errorf("listener %s does not exist", arn)
		}
		actions = out.Listeners[0].DefaultActions
	}
	i := slices.IndexFunc(actions, func(a elbtypes.Action) bool { return a.Type == elbtypes.ActionTypeEnumForward })
	if i < 0 {
		return nil, fmt.Errorf("%s has no forward action: make it forward to the target's target group", arn)
	}
	return &Forward{ARN: arn, Actions: actions, index: i}, nil
}

// write replaces the actions of f's listener or rule: one ModifyListener
// or ModifyRule.
func (t *Target) write(ctx context.Context, f *Forward, actions []elbtypes.Action) error {
	var err error
	if isRule(f.ARN) {
		_, err = t.ELB.ModifyRule(ctx, &elbv2.ModifyRuleInput{RuleArn: aws.String(f.ARN), Actions: actions})
	} else {
		_, err = t.ELB.ModifyListener(ctx, &elbv2.ModifyListenerInput{ListenerArn: aws.String(f.ARN), DefaultActions: actions})
	}
	if err != nil {
		return fmt.Errorf("changing the forward action of %s: %w", f.ARN, err)
	}
	return nil
}

// setWeights writes ws into f's forward action, and keeps f up to date.
func (t *Target) setWeights(ctx context.Context, f *Forward, ws []Weight) error {
	actions := f.With(ws)
	if err := t.write(ctx, f, actions); err != nil {
		return err
	}
	f.Actions = actions
	return nil
}

// describeWeights says ws in words: "web-v1-0-0-ab12cd34 100%, ...".
func describeWeights(ws []Weight) string {
	var total int32
	for _, w := range ws {
		total += w.Weight
	}
	parts := make([]string, len(ws))
	for i, w := range ws {
		pct := int32(0)
		if total > 0 {
			pct = w.Weight * 100 / total
		}
		parts[i] = fmt.Sprintf("%s %d%%", tgName(w.TargetGroup), pct)
	}
	return strings.Join(parts, ", ")
}
