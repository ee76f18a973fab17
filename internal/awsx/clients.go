package awsx

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// Clients are the AWS service clients bake uses in one region, all made
// from one configuration, so they share its endpoint, retryer and count.
type Clients struct {
	Config      aws.Config
	EC2         *ec2.Client
	AutoScaling *autoscaling.Client
	ELB         *elbv2.Client
	SSM         *ssm.Client
}

// NewClients makes the clients for cfg's region.
func NewClients(cfg aws.Config) *Clients {
	return &Clients{
		Config:      cfg,
		EC2:         ec2.NewFromConfig(cfg),
		AutoScaling: autoscaling.NewFromConfig(cfg),
		ELB:         elbv2.NewFromConfig(cfg),
		SSM:         ssm.NewFromConfig(cfg),
	}
}

// In makes the clients for another region, with the same configuration.
func (c *Clients) In(region string) *Clients {
	return NewClients(InRegion(c.Config, region))
}
