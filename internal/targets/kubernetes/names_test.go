package kubernetes

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"k8s.io/apimachinery/pkg/util/validation"
)

func TestDeploymentName(t *testing.T) {
	for version, want := range map[string]string{
		"1.2.0":             "web-v1-2-0",
		"1.2.0-rc.1":        "web-v1-2-0-rc-1",
		"1.2.0-rc.1+build5": "web-v1-2-0-rc-1-build5",
	} {
		got := DeploymentName("web", version)
		assert.Equal(t, want, got)
		assert.Empty(t, validation.IsDNS1123Label(got), got)
	}
}

func TestSelectorsNeverOverlap(t *testing.T) {
	perRelease := ServiceSelector("shop", "prod", "web", "1.2.0")
	rolling := RollingSelector("shop", "prod", "web")
	assert.False(t, perRelease.AsSelector().Matches(rolling))
	assert.False(t, rolling.AsSelector().Matches(perRelease))
	assert.True(t, Selector("shop", "prod", "web").AsSelector().Matches(perRelease))
}
