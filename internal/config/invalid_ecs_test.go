package config

import "testing"

// The ARNs of an ecs target's load balancer, as ELBv2 writes them.
const (
	testListenerARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2"
	testRuleARN     = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee"
	testTGARN       = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067"
)

// ecsFile is the test project with hello's target an ecs one: the
// required keys, then rest.
func ecsFile(t *testing.T, rest string) string {
	return edit(t, canaryTarget, "{type: ecs, cluster: shop, listener: "+testListenerARN+", target_group: "+testTGARN+rest+"}")
}

// TestLoadRejectsInvalidECSTargets covers type: ecs: each mistake is one
// line at its place.
func TestLoadRejectsInvalidECSTargets(t *testing.T) {
	ecs := func(rest string) func(t *testing.T) string {
		return func(t *testing.T) string { return ecsFile(t, rest) }
	}
	const at = "environments[0].targets.hello."
	runInvalid(t, []invalidCase{
		{name: "missing cluster", content: func(t *testing.T) string {
			return edit(t, canaryTarget, "{type: ecs, listener: "+testListenerARN+", target_group: "+testTGARN+"}")
		}, position: "12:7", message: at + `cluster: required`},
		{name: "misspelt key", content: ecs(", subnet: [subnet-1]"), position: "12:255", message: at + `subnet: unknown key; did you mean "subnets"?`},
		{name: "listen", content: ecs(", listen: 127.0.0.1:8101"), position: "12:255",
			message: at + `listen: an ecs target has no front door: traffic goes through the load balancer's listener (listener, target_group); remove listen`},
		{name: "rolling", content: ecs(", strategy: rolling"), position: "12:265",
			message: at + `strategy: an ecs target is blue-green only (a service per release, one listener change): remove strategy or set strategy: blue-green`},
		{name: "canary", content: ecs(", strategy: canary, steps: [{weight: 10%, for: 1m}]"), position: "12:265", problems: 2,
			message: at + `strategy: an ecs target is blue-green only (a service per release, one listener change): remove strategy or set strategy: blue-green`},
		{name: "min_healthy", content: ecs(", min_healthy: 1"), position: "12:255",
			message: at + `min_healthy: only applies to docker targets; an ecs target is blue-green: remove min_healthy`},
		{name: "target group as the listener", content: func(t *testing.T) string {
			return edit(t, canaryTarget, "{type: ecs, cluster: shop, listener: "+testTGARN+", target_group: "+testTGARN+"}")
		}, position: "12:51", message: at + `listener: "` + testTGARN + `" is not a listener ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:listener/app/LB/ID/ID) or listener rule ARN (...:listener-rule/app/LB/ID/ID/ID); that is a target group: put it in target_group`},
		{name: "listener as the target group", content: func(t *testing.T) string {
			return edit(t, canaryTarget, "{type: ecs, cluster: shop, listener: "+testRuleARN+", target_group: "+testListenerARN+"}")
		}, position: "12:191", message: at + `target_group: "` + testListenerARN + `" is not a target group ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID)`},
		{name: "cluster with a slash", content: func(t *testing.T) string {
			return edit(t, canaryTarget, "{type: ecs, cluster: a/b, listener: "+testListenerARN+", target_group: "+testTGARN+"}")
		}, position: "12:35", message: at + `cluster: "a/b" is not a cluster name (letters, digits, hyphens and underscores) or ARN (arn:aws:ecs:REGION:ACCOUNT:cluster/NAME)`},
		{name: "fargate memory", content: ecs(", memory: 4096"), position: "12:263",
			message: at + `memory: Fargate does not offer 4096 MiB of memory with cpu 256: use memory 512, 1024 or 2048`},
		{name: "fargate memory for 2048 cpu", content: ecs(", cpu: 2048, memory: 2048"), position: "12:274",
			message: at + `memory: Fargate does not offer 2048 MiB of memory with cpu 2048: use memory 4096 to 16384 in steps of 1024`},
		{name: "fargate cpu", content: ecs(", cpu: 300"), position: "12:260",
			message: at + `cpu: Fargate does not offer cpu 300: use 256, 512, 1024, 2048, 4096, 8192 or 16384`},
		{name: "bridge on fargate", content: ecs(", network_mode: bridge"), position: "12:269",
			message: at + `network_mode: Fargate tasks run only in awsvpc mode: set launch_type: EC2 for bridge, or remove network_mode`},
		{name: "subnets with bridge", content: ecs(", launch_type: EC2, network_mode: bridge, subnets: [subnet-1]"), position: "12:295",
			message: at + `subnets: only applies to network_mode awsvpc; bridge tasks use their instance's network: remove subnets`},
		{name: "public ip on EC2", content: ecs(", launch_type: EC2, assign_public_ip: true"), position: "12:291",
			message: at + `assign_public_ip: only Fargate tasks get a public IP of their own: remove assign_public_ip or set launch_type: FARGATE`},
		{name: "launch type in lowercase", content: ecs(", launch_type: fargate"), position: "12:268",
			message: at + `launch_type: unknown value "fargate"; did you mean "FARGATE"?`},
		{name: "not a subnet", content: ecs(", subnets: [sg-1]"), position: "12:265", message: at + `subnets[0]: "sg-1" is not a subnet id (subnet-...)`},
		{name: "port too high", content: ecs(", port: 70000"), position: "12:261", message: at + `port: must be between 1 and 65535, got 70000`},
		{name: "role not an ARN", content: ecs(", task_role: web"), position: "12:266", message: at + `task_role: "web" is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)`},
		{name: "service prefix with a dot", content: ecs(", service: web.v1"), position: "12:264",
			message: at + `service: "web.v1" must be letters, digits, hyphens and underscores, starting with a letter or digit, at most 100 (the version is added to it)`},
		{name: "two environments, one cluster and service", content: func(t *testing.T) string {
			tg := "{type: ecs, cluster: shop, listener: " + testListenerARN + ", target_group: " + testTGARN + "}"
			return edit(t, canaryTarget, tg+"\n  - name: prod\n    targets:\n      hello: "+tg)
		}, position: "15:7", message: `environments[1].targets.hello.service: environments dev and prod would share services hello-v* in cluster shop: set service:`},
	})
}
