package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestECSTargetDefaults(t *testing.T) {
	p, err := Load(writeProject(t, ecsFile(t, "")))
	require.NoError(t, err)
	tg := p.Environments[0].Targets["hello"]
	assert.Equal(t, TargetECS, tg.Type)
	assert.Equal(t, BlueGreen, tg.Strategy)
	assert.Equal(t, &ECS{Cluster: "shop", Listener: testListenerARN, TargetGroup: testTGARN, Service: "hello",
		LaunchType: ECSFargate, NetworkMode: ECSAWSVPC, CPU: 256, Memory: 512, Port: 8080}, tg.ECS)
	assert.Equal(t, "demo-dev-hello", tg.ECS.Family(p.Name, "dev"))
	assert.Equal(t, "hello-v1-4-0-rc_1", tg.ECS.ServiceName("1.4.0+rc_1"))
}

func TestECSTargetKeys(t *testing.T) {
	p, err := Load(writeProject(t, edit(t, canaryTarget, "{type: ecs, cluster: arn:aws:ecs:us-east-1:123456789012:cluster/shop, listener: "+testRuleARN+
		", target_group: "+testTGARN+", service: web, launch_type: EC2, network_mode: awsvpc, subnets: [subnet-1, subnet-2], security_groups: [sg-1]"+
		", cpu: 2048, memory: 3000, port: 9090, strategy: blue-green, execution_role: arn:aws:iam::123456789012:role/exec, task_role: arn:aws:iam::123456789012:role/app}"+
		"\n  - name: prod\n    targets:\n      hello: {type: ecs, cluster: shop, listener: "+testListenerARN+", target_group: "+testTGARN+", cpu: 4096, memory: 30720}")))
	require.NoError(t, err)
	dev := p.Environments[0].Targets["hello"].ECS
	assert.Equal(t, &ECS{Cluster: "arn:aws:ecs:us-east-1:123456789012:cluster/shop", Listener: testRuleARN, TargetGroup: testTGARN, Service: "web",
		LaunchType: ECSEC2, NetworkMode: ECSAWSVPC, Subnets: []string{"subnet-1", "subnet-2"}, SecurityGroups: []string{"sg-1"},
		CPU: 2048, Memory: 3000, Port: 9090, ExecutionRole: "arn:aws:iam::123456789012:role/exec", TaskRole: "arn:aws:iam::123456789012:role/app"}, dev)
	prod := p.Environments[1].Targets["hello"].ECS
	assert.Equal(t, [2]int{4096, 30720}, [2]int{prod.CPU, prod.Memory})
	assert.Equal(t, "hello", prod.Service, "the same cluster as dev, but dev's services are web-v*")
}

func TestFargateSizes(t *testing.T) {
	for _, ok := range [][2]int{{256, 512}, {256, 2048}, {512, 4096}, {1024, 3072}, {2048, 16384}, {4096, 30720}, {8192, 20480}, {16384, 122880}} {
		msg, _ := fargateSize(ok[0], ok[1])
		assert.Empty(t, msg, "cpu %d memory %d", ok[0], ok[1])
	}
	for _, bad := range [][2]int{{256, 1536}, {512, 512}, {1024, 9216}, {4096, 31744}, {8192, 18432}, {16384, 36864}} {
		msg, onCPU := fargateSize(bad[0], bad[1])
		assert.NotEmpty(t, msg, "cpu %d memory %d", bad[0], bad[1])
		assert.False(t, onCPU)
	}
	msg, _ := fargateSize(512, 5000)
	assert.Equal(t, "Fargate does not offer 5000 MiB of memory with cpu 512: use memory 1024, 2048, 3072 or 4096", msg)
}
