package config

import "strings"

// Launch types and network modes of an ecs target.
const (
	ECSFargate = "FARGATE" // tasks on capacity AWS manages
	ECSEC2     = "EC2"     // tasks on the cluster's container instances
	ECSAWSVPC  = "awsvpc"  // each task has its own network interface in the subnets
	ECSBridge  = "bridge"  // tasks share their instance's network through Docker's bridge (EC2 only)
)

// ECS is where an ecs target runs a release: a task definition revision in
// family PROJECT-ENV-SERVICE and an ECS service "<Service>-v<version>" per
// release in Cluster, each behind its own copy of TargetGroup, which
// Listener's forward action sends the environment's traffic to.
type ECS struct {
	Cluster string `yaml:"cluster" bake:"required"` // name or ARN of the ECS cluster the services run in
	// Listener is the ARN of the load balancer's listener, or of one of its
	// rules, whose forward action bake points at the release in traffic.
	Listener string `yaml:"listener" bake:"required"`
	// TargetGroup is the ARN of a template target group: each release gets
	// a copy of it (protocol, port, VPC, health check) of its own.
	TargetGroup string `yaml:"target_group" bake:"required"`
	// Service is the name prefix of the releases' services, SERVICE-vVERSION
	// (letters, digits, hyphens and underscores); default the image's name.
	// No two environments put an image in one cluster under one prefix.
	Service    string `yaml:"service"`
	LaunchType string `yaml:"launch_type" default:"FARGATE" bake:"enum=FARGATE|EC2"` // where tasks run: FARGATE or EC2 (the cluster's instances)
	// NetworkMode is the tasks' network mode: awsvpc (a network interface
	// each, in subnets) or bridge (EC2 only).
	NetworkMode string `yaml:"network_mode" default:"awsvpc" bake:"enum=awsvpc|bridge"`
	// Subnets are the subnets awsvpc tasks run in (ids); default: the
	// default VPC's.
	Subnets []string `yaml:"subnets"`
	// SecurityGroups are the awsvpc tasks' security groups (ids); default:
	// the VPC's default group.
	SecurityGroups []string `yaml:"security_groups"`
	AssignPublicIP bool     `yaml:"assign_public_ip"` // give awsvpc tasks a public IP (Fargate tasks in public subnets need one to pull)
	// CPU is the task's CPU units (1024 = one vCPU); on Fargate 256, 512,
	// 1024, 2048, 4096, 8192 or 16384.
	CPU int `yaml:"cpu" default:"256"`
	// Memory is the task's memory in MiB; on Fargate one of the sizes AWS
	// offers with cpu.
	Memory int `yaml:"memory" default:"512"`
	// Port is the container port the release serves on, 1 to 65535;
	// default the image's port.
	Port          int    `yaml:"port"`
	ExecutionRole string `yaml:"execution_role"` // ARN of the role ECS pulls the image and writes logs with ("" for none)
	TaskRole      string `yaml:"task_role"`      // ARN of the role the app's AWS calls run as ("" for none)
}

// Family is the task definition family of the releases of this target in
// environment env of project.
func (e *ECS) Family(project, env string) string {
	return project + "-" + env + "-" + e.Service
}

// ServiceName is the ECS service of the release with that version:
// SERVICE-vVERSION, with every character ECS refuses in a name made a
// hyphen.
func (e *ECS) ServiceName(version string) string {
	return e.Service + "-v" + strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '-'
	}, version)
}
