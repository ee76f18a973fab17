package ecs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/targets"
)

// template reads the target's template target group.
func (t *Target) template(ctx context.Context, e *config.ECS) (*elbtypes.TargetGroup, error) {
	out, err := t.ELB.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{e.TargetGroup}})
	if err != nil || len(out.TargetGroups) == 0 {
		if err == nil || isCode(err, "TargetGroupNotFound") {
			return nil, fmt.Errorf("the target's target_group %s does not exist", e.TargetGroup)
		}
		return nil, fmt.Errorf("reading target group %s: %w", e.TargetGroup, err)
	}
	return &out.TargetGroups[0], nil
}

// targetGroupInput copies tmpl (protocol, port, VPC, health check) into
// the target group of req's release, whose targets are its tasks' IPs
// (awsvpc) or their instances (bridge).
func (t *Target) targetGroupInput(req targets.Request, tmpl *elbtypes.TargetGroup) *elbv2.CreateTargetGroupInput {
	kind := elbtypes.TargetTypeEnumIp
	if req.Target.ECS.NetworkMode == config.ECSBridge {
		kind = elbtypes.TargetTypeEnumInstance
	}
	in := &elbv2.CreateTargetGroupInput{
		Name:                       aws.String(TargetGroupName(t.Project, req.Env, serviceName(req))),
		Protocol:                   tmpl.Protocol,
		ProtocolVersion:            tmpl.ProtocolVersion,
		Port:                       tmpl.Port,
		VpcId:                      tmpl.VpcId,
		TargetType:                 kind,
		IpAddressType:              tmpl.IpAddressType,
		HealthCheckEnabled:         tmpl.HealthCheckEnabled,
		HealthCheckProtocol:        tmpl.HealthCheckProtocol,
		HealthCheckPort:            tmpl.HealthCheckPort,
		HealthCheckPath:            tmpl.HealthCheckPath,
		HealthCheckIntervalSeconds: tmpl.HealthCheckIntervalSeconds,
		HealthCheckTimeoutSeconds:  tmpl.HealthCheckTimeoutSeconds,
		HealthyThresholdCount:      tmpl.HealthyThresholdCount,
		UnhealthyThresholdCount:    tmpl.UnhealthyThresholdCount,
		Matcher:                    tmpl.Matcher,
		Tags:                       elbTags(t.labels(req)),
	}
	return in
}

// createTargetGroup makes the release's copy of tmpl and returns its ARN.
func (t *Target) createTargetGroup(ctx context.Context, req targets.Request, tmpl *elbtypes.TargetGroup) (string, error) {
	in := t.targetGroupInput(req, tmpl)
	out, err := t.ELB.CreateTargetGroup(ctx, in)
	if err != nil {
		return "", fmt.Errorf("creating target group %q: %w", aws.ToString(in.Name), err)
	}
	return aws.ToString(out.TargetGroups[0].TargetGroupArn), nil
}

// deleteTargetGroup deletes a target group; one already gone is not an
// error. A group ELB still counts in use (a service being deleted) is
// tried again for a while.
func (t *Target) deleteTargetGroup(ctx context.Context, arn string) error {
	if arn == "" {
		return nil
	}
	for {
		_, err := t.ELB.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(arn)})
		switch {
		case err == nil || isCode(err, "TargetGroupNotFound"):
			return nil
		case !isCode(err, "ResourceInUse"):
			return fmt.Errorf("deleting target group %s: %w", tgName(arn), err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("deleting target group %s: %w", tgName(arn), err)
		case <-time.After(t.poll()):
		}
	}
}

// isCode reports whether err is an AWS API error with one of codes.
func isCode(err error, codes ...string) bool {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return false
	}
	for _, c := range codes {
		if api.ErrorCode() == c {
			return true
		}
	}
	return false
}
