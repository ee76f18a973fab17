package awsx

import (
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/bakehq/bake/internal/ec2check"
)

// Clients are the AWS service clients bake uses in one region, all made
// from one configuration, so they share its endpoint, retryer and count.
type Clients struct {
	Config      aws.Config
	EC2         *ec2.Client
	AutoScaling *autoscaling.Client
	ELB         *elbv2.Client
	SSM         *ssm.Client
	ECS         *ecs.Client
	// EC2Check checks files' EC2 settings against the region; it reads
	// the region's instance types once for all the clients' users.
	EC2Check *ec2check.Checker
}

// NewClients makes the clients for cfg's region; the ECS client reads
// moto's answers too (see ECSNumbersAsStrings).
func NewClients(cfg aws.Config) *Clients {
	c := &Clients{
		Config:      cfg,
		EC2:         ec2.NewFromConfig(cfg),
		AutoScaling: autoscaling.NewFromConfig(cfg),
		ELB:         elbv2.NewFromConfig(cfg),
		SSM:         ssm.NewFromConfig(cfg),
		ECS:         ecs.NewFromConfig(cfg, ECSNumbersAsStrings),
	}
	c.EC2Check = ec2check.New(c.EC2, cfg.Region)
	return c
}

// In makes the clients for another region, with the same configuration.
func (c *Clients) In(region string) *Clients {
	return NewClients(InRegion(c.Config, region))
}

// EC2Tags turns labels into EC2 tags, sorted by key so that requests are
// the same from run to run.
func EC2Tags(labels map[string]string) []ec2types.Tag {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	tags := make([]ec2types.Tag, len(keys))
	for i, k := range keys {
		tags[i] = ec2types.Tag{Key: aws.String(k), Value: aws.String(labels[k])}
	}
	return tags
}
