package ecs

import (
	"testing"

	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
)

// TestResolve gives bridge tasks whose host port is not known yet a target
// of their instance each, healthy ones first, never one another task has.
func TestResolve(t *testing.T) {
	healthy := elbtypes.TargetHealth{State: elbtypes.TargetHealthStateEnumHealthy}
	initial := elbtypes.TargetHealth{State: elbtypes.TargetHealthStateEnumInitial}
	health := map[string]elbtypes.TargetHealth{
		"i-a:32768": initial, "i-a:32769": healthy, "i-b:32770": healthy, "10.0.0.5": healthy,
	}
	ts := []task{
		{id: "1", status: "RUNNING", address: "i-a"},
		{id: "2", status: "RUNNING", address: "i-a:32769"}, // ECS reported its port
		{id: "3", status: "RUNNING", address: "i-b"},
		{id: "4", status: "RUNNING", address: "i-c"},      // not registered yet
		{id: "5", status: "PENDING", address: "i-b"},      // not running: left alone
		{id: "6", status: "RUNNING", address: "10.0.0.5"}, // awsvpc
	}
	got := resolve(ts, health)
	var addrs []string
	for _, tk := range got {
		addrs = append(addrs, tk.address)
	}
	assert.Equal(t, []string{"i-a:32768", "i-a:32769", "i-b:32770", "i-c", "i-b", "10.0.0.5"}, addrs)
	assert.Equal(t, "i-a", ts[0].address, "the tasks given are not changed")
	running, ok, why := healthyIn(got, health)
	assert.Equal(t, 5, running)
	assert.Equal(t, 3, ok)
	assert.Equal(t, "task 1 (i-a:32768) is initial", why)
}
