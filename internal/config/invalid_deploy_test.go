package config

import "testing"

// TestLoadRejectsInvalidDeployments covers how environments deploy: the
// strategy, retention, notifications, asg targets and the aws: section.
func TestLoadRejectsInvalidDeployments(t *testing.T) {
	runInvalid(t, []invalidCase{
		{
			name: "misspelt strategy",
			content: func(t *testing.T) string {
				return edit(t, "{listen: 127.0.0.1:8101}", "{listen: 127.0.0.1:8101, strategy: rollin}")
			},
			position: "12:49",
			message:  `environments[0].targets.hello.strategy: unknown value "rollin"; did you mean "rolling"?`,
		},
		{
			name: "min_healthy above replicas",
			content: func(t *testing.T) string {
				return edit(t, "{listen: 127.0.0.1:8101}", "{listen: 127.0.0.1:8101, strategy: rolling, replicas: 2, min_healthy: 3}")
			},
			position: "12:84",
			message:  `environments[0].targets.hello.min_healthy: must be between 1 and 2, got 3`,
		},
		{
			name: "min_healthy without rolling",
			content: func(t *testing.T) string {
				return edit(t, "{listen: 127.0.0.1:8101}", "{listen: 127.0.0.1:8101, min_healthy: 1}")
			},
			position: "12:52",
			message:  `environments[0].targets.hello.min_healthy: only applies to strategy "rolling"; remove it or set strategy: rolling`,
		},
		{
			name: "unknown retention",
			content: func(t *testing.T) string {
				return edit(t, "  - name: dev\n", "  - name: dev\n    retention: {previous: hot}\n")
			},
			position: "11:27",
			message:  `environments[0].retention.previous: unknown value "hot"; expected one of: warm, stopped, removed`,
		},
		{
			name:     "webhook not a URL",
			content:  func(t *testing.T) string { return edit(t, "images:\n", "notify: {webhook: hooks.local}\nimages:\n") },
			position: "2:19",
			message:  `notify.webhook: "hooks.local": not an http or https URL`,
		},
		{
			name: "webhook over plain http",
			content: func(t *testing.T) string {
				return edit(t, "images:\n", "notify: {webhook: \"http://hooks.example.com/bake\"}\nimages:\n")
			},
			position: "2:19",
			message:  `notify.webhook: "http://hooks.example.com/bake": use https; plain http goes only to a receiver on loopback, with notify.allow: [loopback]`,
		},
		{
			name: "webhook to a private address",
			content: func(t *testing.T) string {
				return edit(t, "images:\n", "notify: {webhook: \"https://10.0.0.1/bake\"}\nimages:\n")
			},
			position: "2:19",
			message:  `notify.webhook: "https://10.0.0.1/bake": address refused: 10.0.0.1 is a private address (notify.allow: [private] allows it)`,
		},
		{
			name: "webhook to the metadata service",
			content: func(t *testing.T) string {
				return edit(t, "images:\n", "notify: {allow: [loopback, private], webhook: \"https://169.254.169.254/latest\"}\nimages:\n")
			},
			position: "2:47",
			message:  `notify.webhook: "https://169.254.169.254/latest": address refused: 169.254.169.254 is a link-local or cloud metadata address, never allowed`,
		},
		{
			name: "unknown webhook allowance",
			content: func(t *testing.T) string {
				return edit(t, "images:\n", "notify: {allow: [public], webhook: \"https://hooks.example.com\"}\nimages:\n")
			},
			position: "2:18",
			message:  `notify.allow[0]: unknown value "public"; expected one of: loopback, private`,
		},
		{
			name: "asg target without target groups",
			content: func(t *testing.T) string {
				return edit(t, "{listen: 127.0.0.1:8101}", "{type: asg}")
			},
			position: "12:7",
			message:  `environments[0].targets.hello.target_groups: required`,
		},
		{
			name: "asg target with a bad ARN",
			content: func(t *testing.T) string {
				return edit(t, "{listen: 127.0.0.1:8101}", "{type: asg, target_groups: [web-prod]}")
			},
			position: "12:42",
			message:  `environments[0].targets.hello.target_groups[0]: "web-prod" is not a target group ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID)`,
		},
		{
			name: "asg target has no listen address",
			content: func(t *testing.T) string {
				return edit(t, "{listen: 127.0.0.1:8101}", "{type: asg, listen: 127.0.0.1:8101, target_groups: [\"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123\"]}")
			},
			position: "12:26",
			message:  `environments[0].targets.hello.listen: unknown key; expected one of: type, replicas, health_timeout, watch, group, target_groups, subnets, instance_type`,
		},
		{
			name:     "bad aws region",
			content:  func(t *testing.T) string { return edit(t, "images:\n", "aws: {region: us_east_1}\nimages:\n") },
			position: "2:15",
			message:  `aws.region: "us_east_1" is not an AWS region; did you mean "us-east-1"?`,
		},
		{
			name:     "unknown aws region",
			content:  func(t *testing.T) string { return edit(t, "images:\n", "aws: {region: us-esat-1}\nimages:\n") },
			position: "2:15",
			message:  `aws.region: "us-esat-1" is not an AWS region; did you mean "us-east-1"?`,
		},
		{
			name:     "aws region nothing like one",
			content:  func(t *testing.T) string { return edit(t, "images:\n", "aws: {region: mars-north-9}\nimages:\n") },
			position: "2:15",
			message:  `aws.region: "mars-north-9" is not an AWS region name such as "us-east-1"`,
		},
	})
}
