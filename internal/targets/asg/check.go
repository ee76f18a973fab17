package asg

import (
	"fmt"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ec2check"
)

// checkRequest asks EC2 about the instance type, subnets and security
// groups bake.yaml gives the target, each at its place.
func checkRequest(a *config.ASG) ec2check.Request {
	var req ec2check.Request
	if at, ok := a.At["instance_type"]; ok {
		req.InstanceTypes = []ec2check.Ref{{At: at, Value: a.InstanceType}}
	}
	for i, id := range a.Subnets {
		if at, ok := a.At[fmt.Sprintf("subnets[%d]", i)]; ok {
			req.Subnets = append(req.Subnets, ec2check.Ref{At: at, Value: id})
		}
	}
	for i, id := range a.SecurityGroups {
		if at, ok := a.At[fmt.Sprintf("security_groups[%d]", i)]; ok {
			req.SecurityGroups = append(req.SecurityGroups, ec2check.Ref{At: at, Value: id})
		}
	}
	return req
}
