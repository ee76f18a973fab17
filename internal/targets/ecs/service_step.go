package ecs

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/steps"
	"github.com/bakehq/bake/internal/targets"
)

// stepService creates the release's service, or scales its kept service
// back up to the target's size. Cleanup deletes the service it created,
// or scales the kept one back to its earlier size.
type stepService struct {
	t    *Target
	req  targets.Request
	name string
	kept *Service
	td   *stepTaskDefinition
	tg   *stepTargetGroup

	created, resized bool
}

func (st *stepService) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	t, req := st.t, st.req
	e := req.Target.ECS
	if st.kept != nil {
		if st.kept.Desired == req.Target.Replicas {
			return multistep.ActionContinue
		}
		if err := t.scale(ctx, e.Cluster, st.name, req.Target.Replicas); err != nil {
			return steps.Halt(state, err)
		}
		st.resized = true
		t.step(progress.Started, "scaling ECS service %s (kept for rollback) from %d to %d tasks", st.name, st.kept.Desired, req.Target.Replicas)
		return multistep.ActionContinue
	}
	net, err := t.network(ctx, req)
	if err != nil {
		return steps.Halt(state, err)
	}
	if err := t.createService(ctx, req, st.td.arn, st.tg.arn, net); err != nil {
		return steps.Halt(state, err)
	}
	st.created = true
	t.step(progress.Started, "created ECS service %s (%d x %s, %s) in cluster %s behind target group %s",
		st.name, req.Target.Replicas, req.Release.Reference, e.LaunchType, e.Cluster, tgName(st.tg.arn))
	return multistep.ActionContinue
}

func (st *stepService) Cleanup(state multistep.StateBag) {
	if !halted(state) {
		return
	}
	t, cluster := st.t, st.req.Target.ECS.Cluster
	ctx, cancel := cleanupContext()
	defer cancel()
	switch {
	case st.created:
		if err := t.deleteService(ctx, cluster, st.name); err != nil {
			t.say("warning: %v; delete it with `aws ecs delete-service --force --cluster %s --service %s`", err, cluster, st.name)
			return
		}
		t.step(progress.Retired, "deleted ECS service %s", st.name)
	case st.resized:
		if err := t.scale(ctx, cluster, st.name, st.kept.Desired); err != nil {
			t.say("warning: %v", err)
			return
		}
		t.step(progress.Retired, "scaled ECS service %s back to %d", st.name, st.kept.Desired)
	}
}

// network is where awsvpc tasks run: the target's subnets and security
// groups, or the default subnets and the default security group of the
// template target group's VPC. Bridge tasks use their instance's network.
func (t *Target) network(ctx context.Context, req targets.Request) (*ecstypes.NetworkConfiguration, error) {
	e := req.Target.ECS
	if e.NetworkMode == config.ECSBridge {
		return nil, nil
	}
	subnets, groups := e.Subnets, e.SecurityGroups
	if len(subnets) == 0 || len(groups) == 0 {
		tmpl, err := t.template(ctx, e)
		if err != nil {
			return nil, err
		}
		vpc := aws.ToString(tmpl.VpcId)
		if len(subnets) == 0 {
			if subnets, err = t.defaultSubnets(ctx, vpc); err != nil {
				return nil, err
			}
		}
		if len(groups) == 0 {
			if groups, err = t.defaultSecurityGroup(ctx, vpc); err != nil {
				return nil, err
			}
		}
	}
	public := ecstypes.AssignPublicIpDisabled
	if e.AssignPublicIP {
		public = ecstypes.AssignPublicIpEnabled
	}
	return &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
		Subnets: subnets, SecurityGroups: groups, AssignPublicIp: public,
	}}, nil
}

// defaultSubnets are vpc's default subnets, one per availability zone.
func (t *Target) defaultSubnets(ctx context.Context, vpc string) ([]string, error) {
	out, err := t.EC2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpc}},
		{Name: aws.String("default-for-az"), Values: []string{"true"}},
	}})
	if err != nil {
		return nil, fmt.Errorf("finding the default subnets of %s: %w", vpc, err)
	}
	var ids []string
	for _, s := range out.Subnets {
		ids = append(ids, aws.ToString(s.SubnetId))
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%s, the target group's VPC, has no default subnets: set the target's subnets in bake.yaml", vpc)
	}
	sort.Strings(ids)
	return ids, nil
}

// defaultSecurityGroup is vpc's security group named "default".
func (t *Target) defaultSecurityGroup(ctx context.Context, vpc string) ([]string, error) {
	out, err := t.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpc}},
		{Name: aws.String("group-name"), Values: []string{"default"}},
	}})
	if err != nil {
		return nil, fmt.Errorf("finding the default security group of %s: %w", vpc, err)
	}
	if len(out.SecurityGroups) == 0 {
		return nil, fmt.Errorf("%s, the target group's VPC, has no default security group: set the target's security_groups in bake.yaml", vpc)
	}
	return []string{aws.ToString(out.SecurityGroups[0].GroupId)}, nil
}
