package config

import (
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// environments decodes the environments: list, in promotion order.
func (d *decoder) environments(n *yaml.Node, imgs *imageSet, used *listenUse) []*Environment {
	if n.Kind != yaml.SequenceNode {
		d.Errorf(n, "environments", "expected a list of environments, got %s", describe(n))
		return nil
	}
	if len(n.Content) == 0 {
		d.Errorf(n, "environments", "must define at least one environment")
	}
	var out []*Environment
	names := map[string]*yaml.Node{}
	needsHealth := map[string]bool{} // images already checked for a port and an http check
	for i, item := range n.Content {
		path := index("environments", i)
		s, ok := d.Section(path, resolve(item), item, fileKeys[Environment]("")...)
		if !ok {
			continue
		}
		env := &Environment{Targets: map[string]*Target{},
			Retention: Retention{Previous: KeepStopped, Releases: DefaultKeepReleases}}
		if v := s.Require("name"); v != nil {
			if name, ok := d.str(join(path, "name"), v); ok {
				switch first, dup := names[name]; {
				case dup:
					d.Errorf(v, join(path, "name"), "duplicate environment %q; first defined at line %d", name, first.Line)
				case checkName(name, maxEnvName) != "":
					d.Errorf(v, join(path, "name"), "%s", checkName(name, maxEnvName))
				default:
					names[name] = v
				}
				env.Name = name
			}
		}
		if v := s.Get("protected"); v != nil {
			env.Protected, _ = d.boolean(join(path, "protected"), v)
		}
		if v := s.Get("gates"); v != nil {
			d.gates(join(path, "gates"), s.Key("gates"), v, env)
		}
		if v := s.Get("retention"); v != nil {
			d.retention(join(path, "retention"), s.Key("retention"), v, env)
		}
		if v := s.Get("targets"); v != nil {
			d.targets(join(path, "targets"), v, env, imgs, used, needsHealth)
		}
		if n := s.Get("registry"); n != nil {
			reg := Registry{}
			rpath := join(path, "registry")
			if addr := d.registryAt(rpath, s, &reg); addr == nil && resolve(n).Kind == yaml.MappingNode {
				d.Errorf(n, join(rpath, "address"), "required: the HOST:PORT of the registry this environment pulls from")
			}
			env.Registry = &reg
		}
		out = append(out, env)
	}
	return out
}

// targets decodes an environment's targets: mapping of image name to target.
func (d *decoder) targets(path string, n *yaml.Node, env *Environment, imgs *imageSet, used *listenUse, checked map[string]bool) {
	entries, ok := d.Entries(path, n)
	if !ok {
		return
	}
	for _, e := range entries {
		name := e.Name()
		tpath := join(path, name)
		img := imgs.byName[name]
		if img == nil {
			d.Errorf(e.Key, tpath, "%s", unknownName("image", name, imgs.names))
			continue
		}
		if typ := targetType(resolve(e.Value)); typ == TargetASG || typ == TargetKubernetes || typ == TargetECS {
			// These wait on their own health (target groups, readiness),
			// not on a front door's check of the image.
			if tg := d.target(tpath, e, used, env.Name, img, imgs.broken[name]); tg != nil {
				env.Targets[name] = tg
			}
			continue
		}
		if !checked[name] && !imgs.broken[name] {
			checked[name] = true
			if img.Port == 0 {
				d.Errorf(e.Key, tpath, "%s has no port; set images.%s.port so deployments can route traffic to it", name, name)
			}
			if img.HealthCheck() == nil {
				d.Errorf(e.Key, tpath, "%s has no http check; add one under images.%s.checks so deployments can wait for health", name, name)
			}
		}
		if t := d.target(tpath, e, used, env.Name, img, imgs.broken[name]); t != nil {
			env.Targets[name] = t
		}
	}
}

// targetTypes are the values type: may have.
var targetTypes = []string{TargetDocker, TargetASG, TargetKubernetes, TargetECS}

// targetType returns the type a target mapping says, as written, or docker
// when it says none.
func targetType(n *yaml.Node) string {
	if n.Kind != yaml.MappingNode {
		return TargetDocker
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "type" {
			if v := resolve(n.Content[i+1]); v.Kind == yaml.ScalarNode {
				return v.Value
			}
		}
	}
	return TargetDocker
}

// keysType is the type whose keys a target of type typ is checked
// against: typ, or for a misspelt type the one it was suggested for, so
// that the misspelling is the one problem reported.
func keysType(typ string) string {
	if slices.Contains(targetTypes, typ) {
		return typ
	}
	if s := suggest(typ, targetTypes); s != "" {
		return s
	}
	return TargetDocker
}

// target decodes one target of image img and applies its defaults;
// broken says img has problems reported already.
func (d *decoder) target(path string, e entry, used *listenUse, env string, img *Image, broken bool) *Target {
	t := &Target{Type: TargetDocker, Replicas: 1, HealthTimeout: DefaultHealthTimeout, Strategy: BlueGreen}
	kind := keysType(targetType(resolve(e.Value)))
	allowed := fileKeys[Target]("type:" + kind)
	switch kind {
	case TargetASG:
		allowed = append(allowed, d.asgCanary(path, resolve(e.Value))...)
	case TargetKubernetes:
		allowed = append(allowed, refusedKeys(resolve(e.Value))...)
	case TargetECS:
		allowed = append(allowed, ecsRefusedKeys(resolve(e.Value))...)
	}
	s, ok := d.Section(path, e.Key, e.Value, allowed...)
	if !ok {
		return nil
	}
	if v := s.Get("type"); v != nil {
		if typ, ok := d.str(join(path, "type"), v); ok {
			if !slices.Contains(targetTypes, typ) {
				d.Errorf(v, join(path, "type"), "%s", unknownName("target type", typ, targetTypes))
			}
			t.Type = typ
		}
	}
	if v := s.Get("replicas"); v != nil {
		t.Replicas, _ = d.number(join(path, "replicas"), v, 1, 20)
	}
	switch kind {
	case TargetASG:
		t.ASG = d.asgTarget(path, s, d.projectName, env, img.Name)
	case TargetKubernetes:
		d.refuseForKubernetes(path, s)
	case TargetECS:
		d.refuseForECS(path, s)
		t.ECS = d.ecsTarget(path, s, e.Key, env, img)
	default:
		if v := s.Require("listen"); v != nil {
			if addr, ok := d.str(join(path, "listen"), v); ok {
				if err := checkLoopback(addr); err != nil {
					d.Errorf(v, join(path, "listen"), "%v", err)
				} else if clash := used.claim(addr, join(path, "listen"), v); clash != "" {
					d.Errorf(v, join(path, "listen"), "%q is already used by %s", addr, clash)
				}
				t.Listen = addr
			}
		}
	}
	if v := s.Get("health_timeout"); v != nil {
		t.HealthTimeout, _ = d.duration(join(path, "health_timeout"), v)
	}
	if v := s.Get("strategy"); v != nil {
		t.Strategy, _ = d.oneOf(join(path, "strategy"), v, BlueGreen, Rolling, Canary)
	}
	if kind != TargetASG && kind != TargetECS {
		d.canary(path, s, t)
	}
	if kind == TargetKubernetes {
		t.Kubernetes = d.kubernetesTarget(path, s, e.Key, env, img, broken)
		d.kubernetesCanary(path, s, t)
	}
	t.MinHealthy = t.Replicas
	if v := s.Get("min_healthy"); v != nil && kind != TargetKubernetes && kind != TargetECS {
		t.MinHealthy, _ = d.number(join(path, "min_healthy"), v, 1, max(t.Replicas, 1))
		if t.Strategy != Rolling {
			d.Errorf(v, join(path, "min_healthy"), "only applies to strategy %q; remove it or set strategy: %s", Rolling, Rolling)
		}
	}
	if v := s.Get("watch"); v != nil {
		t.Watch, _ = d.duration(join(path, "watch"), v)
	}
	return t
}

// asgTarget decodes the keys of an asg target.
func (d *decoder) asgTarget(path string, s *section, project, env, image string) *ASG {
	a := &ASG{Group: project + "-" + env + "-" + image, InstanceType: DefaultInstanceType, At: map[string]Error{}}
	if v := s.Get("group"); v != nil {
		if g, ok := d.str(join(path, "group"), v); ok {
			if !groupRule.MatchString(g) {
				d.Errorf(v, join(path, "group"), "%q must be letters, digits and hyphens, at most 100 (the version is added to it)", g)
			}
			a.Group = g
		}
	}
	if v := s.Require("target_groups"); v != nil {
		if arns, ok := d.strings(join(path, "target_groups"), v); ok {
			for i, arn := range arns {
				if !strings.HasPrefix(arn, "arn:") || !strings.Contains(arn, ":targetgroup/") {
					d.Errorf(resolve(v).Content[i], index(join(path, "target_groups"), i), "%q is not a target group ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID)", arn)
				}
			}
			a.TargetGroups = arns
		}
	}
	if v := s.Get("subnets"); v != nil {
		a.Subnets, _ = d.strings(join(path, "subnets"), v)
		d.placeList(a.At, "subnets", join(path, "subnets"), v)
	}
	if v := s.Get("instance_type"); v != nil {
		a.InstanceType, _ = d.str(join(path, "instance_type"), v)
		d.place(a.At, "instance_type", join(path, "instance_type"), v)
	}
	if v := s.Get("security_groups"); v != nil {
		if ids, ok := d.strings(join(path, "security_groups"), v); ok {
			for i, id := range ids {
				if !strings.HasPrefix(id, "sg-") {
					d.Errorf(resolve(v).Content[i], index(join(path, "security_groups"), i), "%q is not a security group id (sg-...)", id)
				}
			}
			a.SecurityGroups = ids
			d.placeList(a.At, "security_groups", join(path, "security_groups"), v)
		}
	}
	if v := s.Get("instance_profile"); v != nil {
		a.InstanceProfile, _ = d.str(join(path, "instance_profile"), v)
	}
	return a
}

// groupRule is what Auto Scaling group name prefixes look like here.
var groupRule = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,99}$`)

// retention decodes what an environment keeps for rollbacks.
func (d *decoder) retention(path string, at, n *yaml.Node, env *Environment) {
	s, ok := d.Section(path, at, n, fileKeys[Retention]("")...)
	if !ok {
		return
	}
	if v := s.Get("previous"); v != nil {
		env.Retention.Previous, _ = d.oneOf(join(path, "previous"), v, KeepWarm, KeepStopped, KeepRemoved)
	}
	if v := s.Get("releases"); v != nil {
		env.Retention.Releases, _ = d.number(join(path, "releases"), v, 1, 100)
	}
}

// gates decodes what a release must have done before it enters an environment.
func (d *decoder) gates(path string, at, n *yaml.Node, env *Environment) {
	s, ok := d.Section(path, at, n, fileKeys[Gates]("")...)
	if !ok {
		return
	}
	if v := s.Get("approval"); v != nil {
		env.Gates.Approval, _ = d.boolean(join(path, "approval"), v)
	}
	if v := s.Get("soak"); v != nil {
		env.Gates.Soak, _ = d.duration(join(path, "soak"), v)
	}
}
