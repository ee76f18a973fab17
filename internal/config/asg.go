package config

// ASG is where an asg target runs a release: a new launch template and Auto
// Scaling group "<Group>-v<version>" per release, attached to TargetGroups.
type ASG struct {
	Group        string   `yaml:"group"`                            // name prefix of the groups, GROUP-vVERSION; default PROJECT-ENV-IMAGE
	TargetGroups []string `yaml:"target_groups" bake:"required"`    // ARNs of the load-balancer target groups the groups attach to
	Subnets      []string `yaml:"subnets"`                          // subnets the instances run in; default: the default VPC's
	InstanceType string   `yaml:"instance_type" default:"t3.micro"` // the instances' type
	// SecurityGroups are the instances' security groups (ids); default: the VPC's default group.
	SecurityGroups []string `yaml:"security_groups"`
	// InstanceProfile names the instances' IAM instance profile ("" for none).
	InstanceProfile string `yaml:"instance_profile"`
}
