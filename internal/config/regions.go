package config

import (
	"fmt"
	"slices"
)

// awsRegions are the names of the AWS regions aws.region may name: the
// commercial regions, AWS GovCloud (US) and China. A region AWS opens
// later is added here.
var awsRegions = []string{
	"af-south-1",
	"ap-east-1", "ap-east-2",
	"ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-south-1", "ap-south-2",
	"ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
	"ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
	"ca-central-1", "ca-west-1",
	"cn-north-1", "cn-northwest-1",
	"eu-central-1", "eu-central-2",
	"eu-north-1",
	"eu-south-1", "eu-south-2",
	"eu-west-1", "eu-west-2", "eu-west-3",
	"il-central-1",
	"me-central-1", "me-south-1",
	"mx-central-1",
	"sa-east-1",
	"us-east-1", "us-east-2",
	"us-gov-east-1", "us-gov-west-1",
	"us-west-1", "us-west-2",
}

// regionProblem says what is wrong with the AWS region name r, with the
// closest known name when there is one; "" when r is a known region.
func regionProblem(r string) string {
	if slices.Contains(awsRegions, r) {
		return ""
	}
	if s := suggest(r, awsRegions); s != "" {
		return fmt.Sprintf("%q is not an AWS region; did you mean %q?", r, s)
	}
	return fmt.Sprintf("%q is not an AWS region name such as %q", r, "us-east-1")
}
