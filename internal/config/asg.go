package config

import "gopkg.in/yaml.v3"

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
	// At locates instance_type, subnets[i] and security_groups[i] in
	// bake.yaml, by key (those set only), for problems EC2 finds with them later.
	At map[string]Error `yaml:"-"`
}

// place is where bake.yaml gives the value of key under path, for a
// problem found with it later.
func (d *decoder) place(into map[string]Error, key, path string, n *yaml.Node) {
	n = resolve(n)
	into[key] = Error{File: d.File, Line: n.Line, Column: n.Column, Key: path, Kind: ErrInvalid}
}

// placeList places each item of the list at n (or n itself when it is one value).
func (d *decoder) placeList(into map[string]Error, key, path string, n *yaml.Node) {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		d.place(into, index(key, 0), path, n)
		return
	}
	for i, item := range n.Content {
		d.place(into, index(key, i), index(path, i), item)
	}
}
