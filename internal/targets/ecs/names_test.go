package ecs

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTargetGroupName(t *testing.T) {
	valid := regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$`)
	long := strings.Repeat("service_", 6) + "-v1-2-3"
	cases := []struct{ project, env, service string }{
		{"shop", "prod", "web-v1-0-0"},
		{"shop", "prod", "web-v1-0-1"},
		{"shop", "staging", "web-v1-0-0"},
		{"a-much-longer-project-name", "production", long},
		{"shop", "prod", "_-v1"},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		n := TargetGroupName(c.project, c.env, c.service)
		assert.LessOrEqual(t, len(n), maxTargetGroupName, n)
		assert.Regexp(t, valid, n)
		assert.False(t, seen[n], "%s is unique per release", n)
		seen[n] = true
		assert.Equal(t, n, TargetGroupName(c.project, c.env, c.service), "the same release gets the same name")
	}
	assert.True(t, strings.HasPrefix(TargetGroupName("shop", "prod", "web-v1-0-0"), "web-v1-0-0-"), "the service's name comes first")
}

func TestTgName(t *testing.T) {
	assert.Equal(t, "web-v1", tgName("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-v1/0123456789abcdef"))
	assert.Equal(t, "something", tgName("something"))
}
