// Package ecrhost recognises the registry hosts of Amazon ECR. It links
// nothing of the AWS SDK, so that bake.yaml's validation can use it.
package ecrhost

import (
	"regexp"
	"strings"
)

// Host is an Amazon ECR private registry: one per account and region.
type Host struct {
	Account string // the 12-digit AWS account id, the registry id
	Region  string
	FIPS    bool // ACCOUNT.dkr.ecr-fips.REGION.amazonaws.com
}

// hostRule matches ACCOUNT.dkr.ecr[-fips].REGION.amazonaws.com, and the
// China partition's .amazonaws.com.cn.
var hostRule = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr(-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$`)

// Parse reports whether host (HOST, as bake.yaml names a registry) is an
// Amazon ECR registry, and which.
func Parse(host string) (Host, bool) {
	m := hostRule.FindStringSubmatch(strings.ToLower(host))
	if m == nil {
		return Host{}, false
	}
	return Host{Account: m[1], Region: m[3], FIPS: m[2] != ""}, true
}
