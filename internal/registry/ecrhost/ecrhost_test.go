package ecrhost

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		host string
		want Host
		ok   bool
	}{
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com", Host{Account: "123456789012", Region: "us-east-1"}, true},
		{"123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", Host{Account: "123456789012", Region: "us-gov-west-1", FIPS: true}, true},
		{"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", Host{Account: "123456789012", Region: "cn-north-1"}, true},
		{"123456789012.DKR.ECR.eu-west-1.amazonaws.com", Host{Account: "123456789012", Region: "eu-west-1"}, true},
		{"12345678901.dkr.ecr.us-east-1.amazonaws.com", Host{}, false},      // 11 digits
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com:443", Host{}, false}, // ECR names no port
		{"public.ecr.aws", Host{}, false},                                       // ECR Public: no token from ecr:
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.io", Host{}, false}, // not AWS's domain
		{"127.0.0.1:5000", Host{}, false},
	} {
		got, ok := Parse(tt.host)
		assert.Equal(t, tt.ok, ok, tt.host)
		assert.Equal(t, tt.want, got, tt.host)
	}
}
