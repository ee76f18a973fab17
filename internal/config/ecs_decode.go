package config

import "gopkg.in/yaml.v3"

// ecsTarget decodes the keys of an ecs target of image img, with their
// defaults.
func (d *decoder) ecsTarget(path string, s *section, img *Image) *ECS {
	e := &ECS{Service: img.Name, LaunchType: ECSFargate, NetworkMode: ECSAWSVPC, CPU: 256, Memory: 512, Port: img.Port}
	e.Cluster = d.ecsString(path, s, "cluster", true)
	e.Listener = d.ecsString(path, s, "listener", true)
	e.TargetGroup = d.ecsString(path, s, "target_group", true)
	if v := s.Get("service"); v != nil {
		e.Service, _ = d.str(join(path, "service"), v)
	}
	if v := s.Get("launch_type"); v != nil {
		e.LaunchType, _ = d.oneOf(join(path, "launch_type"), v, ECSFargate, ECSEC2)
	}
	if v := s.Get("network_mode"); v != nil {
		e.NetworkMode, _ = d.oneOf(join(path, "network_mode"), v, ECSAWSVPC, ECSBridge)
	}
	if v := s.Get("subnets"); v != nil {
		e.Subnets, _ = d.strings(join(path, "subnets"), v)
	}
	if v := s.Get("security_groups"); v != nil {
		e.SecurityGroups, _ = d.strings(join(path, "security_groups"), v)
	}
	if v := s.Get("assign_public_ip"); v != nil {
		e.AssignPublicIP, _ = d.boolean(join(path, "assign_public_ip"), v)
	}
	if v := s.Get("cpu"); v != nil {
		e.CPU, _ = d.number(join(path, "cpu"), v, 128, 16384)
	}
	if v := s.Get("memory"); v != nil {
		e.Memory, _ = d.number(join(path, "memory"), v, 128, 122880)
	}
	if v := s.Get("port"); v != nil {
		e.Port, _ = d.number(join(path, "port"), v, 1, 65535)
	}
	e.ExecutionRole = d.ecsString(path, s, "execution_role", false)
	e.TaskRole = d.ecsString(path, s, "task_role", false)
	return e
}

// ecsString decodes the string key of an ecs target, "" when it is left out.
func (d *decoder) ecsString(path string, s *section, key string, required bool) string {
	var v *yaml.Node
	if required {
		v = s.Require(key)
	} else {
		v = s.Get(key)
	}
	if v == nil {
		return ""
	}
	out, _ := d.str(join(path, key), v)
	return out
}
