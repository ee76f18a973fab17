package config

import (
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// ECS defaults: the smallest task Fargate runs.
const (
	DefaultECSCPU    = 256
	DefaultECSMemory = 512
)

// The shapes of the ARNs and ids an ecs target names.
var (
	listenerARN     = regexp.MustCompile(`^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:listener/(app|net)/[^/]+/[^/]+/[^/]+$`)
	listenerRuleARN = regexp.MustCompile(`^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:listener-rule/(app|net)/[^/]+/[^/]+/[^/]+/[^/]+$`)
	targetGroupARN  = regexp.MustCompile(`^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:targetgroup/[^/]+/[^/]+$`)
	roleARN         = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$`)
	clusterName     = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)
	clusterARN      = regexp.MustCompile(`^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:cluster/([A-Za-z0-9_-]{1,255})$`)
	ecsServiceRule  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$`)
)

// ecsRefused are keys of other targets an ecs target is told about in a
// line of its own rather than as unknown keys.
var ecsRefused = []string{"listen", "min_healthy", "steps", "analysis"}

// ecsRefusedKeys returns those of ecsRefused that target mapping n has.
func ecsRefusedKeys(n *yaml.Node) []string {
	var out []string
	for _, k := range ecsRefused {
		if key, _ := lookup(n, k); key != nil {
			out = append(out, k)
		}
	}
	return out
}

// refuseForECS reports the keys of other targets an ecs target has no use
// for, and the strategies it does not offer.
func (d *decoder) refuseForECS(path string, s *section) {
	if k := s.Key("listen"); k != nil {
		d.Errorf(k, join(path, "listen"), "an ecs target has no front door: traffic goes through the load balancer's listener (listener, target_group); remove listen")
	}
	if k := s.Key("min_healthy"); k != nil {
		d.Errorf(k, join(path, "min_healthy"), "only applies to docker targets; an ecs target is blue-green: remove min_healthy")
	}
	for _, key := range []string{"steps", "analysis"} {
		if k := s.Key(key); k != nil {
			d.Errorf(k, join(path, key), "canary is for docker and kubernetes targets; an ecs target is blue-green: remove %s", key)
		}
	}
	if v := s.Get("strategy"); v != nil {
		if v := resolve(v); v.Kind == yaml.ScalarNode && (v.Value == Rolling || v.Value == Canary) {
			d.Errorf(v, join(path, "strategy"), "an ecs target is blue-green only (a service per release, one listener change): remove strategy or set strategy: %s", BlueGreen)
		}
	}
}

// ecsTarget decodes the keys of an ecs target of image img in environment
// env, with their defaults; at is the target's name in bake.yaml.
func (d *decoder) ecsTarget(path string, s *section, at *yaml.Node, env string, img *Image) *ECS {
	e := &ECS{Service: img.Name, LaunchType: ECSFargate, NetworkMode: ECSAWSVPC, CPU: DefaultECSCPU, Memory: DefaultECSMemory, Port: img.Port}
	e.Cluster = d.ecsString(path, s, "cluster", true, func(v string) string {
		if clusterName.MatchString(v) || clusterARN.MatchString(v) {
			return ""
		}
		return "is not a cluster name (letters, digits, hyphens and underscores) or ARN (arn:aws:ecs:REGION:ACCOUNT:cluster/NAME)"
	})
	e.Listener = d.ecsString(path, s, "listener", true, func(v string) string {
		if listenerARN.MatchString(v) || listenerRuleARN.MatchString(v) {
			return ""
		}
		hint := ""
		if targetGroupARN.MatchString(v) {
			hint = "; that is a target group: put it in target_group"
		}
		return "is not a listener ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:listener/app/LB/ID/ID) or listener rule ARN (...:listener-rule/app/LB/ID/ID/ID)" + hint
	})
	e.TargetGroup = d.ecsString(path, s, "target_group", true, func(v string) string {
		if targetGroupARN.MatchString(v) {
			return ""
		}
		return "is not a target group ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID)"
	})
	svcAt := at
	if v := s.Get("service"); v != nil {
		svcAt = v
		if svc, ok := d.str(join(path, "service"), v); ok {
			if !ecsServiceRule.MatchString(svc) {
				d.Errorf(v, join(path, "service"), "%q must be letters, digits, hyphens and underscores, starting with a letter or digit, at most 100 (the version is added to it)", svc)
			}
			e.Service = svc
		}
	} else if !ecsServiceRule.MatchString(e.Service) {
		d.Errorf(at, join(path, "service"), "the default service %q is not a valid ECS service name prefix: set service:", e.Service)
	}
	launchAt := at
	if v := s.Get("launch_type"); v != nil {
		launchAt = v
		e.LaunchType, _ = d.oneOf(join(path, "launch_type"), v, ECSFargate, ECSEC2)
	}
	if v := s.Get("network_mode"); v != nil {
		e.NetworkMode, _ = d.oneOf(join(path, "network_mode"), v, ECSAWSVPC, ECSBridge)
		if e.NetworkMode == ECSBridge && e.LaunchType == ECSFargate {
			d.Errorf(v, join(path, "network_mode"), "Fargate tasks run only in awsvpc mode: set launch_type: EC2 for bridge, or remove network_mode")
		}
	}
	e.Subnets = d.ecsIDs(path, s, "subnets", "subnet-", "a subnet id (subnet-...)")
	e.SecurityGroups = d.ecsIDs(path, s, "security_groups", "sg-", "a security group id (sg-...)")
	if v := s.Get("assign_public_ip"); v != nil {
		e.AssignPublicIP, _ = d.boolean(join(path, "assign_public_ip"), v)
		if e.AssignPublicIP && e.LaunchType == ECSEC2 {
			d.Errorf(v, join(path, "assign_public_ip"), "only Fargate tasks get a public IP of their own: remove assign_public_ip or set launch_type: FARGATE")
		}
	}
	if e.NetworkMode == ECSBridge {
		for _, key := range []string{"subnets", "security_groups"} {
			if k := s.Key(key); k != nil {
				d.Errorf(k, join(path, key), "only applies to network_mode awsvpc; bridge tasks use their instance's network: remove %s", key)
			}
		}
	}
	cpuAt, memAt := launchAt, launchAt
	cpuOK, memOK := true, true
	if v := s.Get("cpu"); v != nil {
		cpuAt = v
		e.CPU, cpuOK = d.number(join(path, "cpu"), v, 128, 196608)
	}
	if v := s.Get("memory"); v != nil {
		memAt = v
		e.Memory, memOK = d.number(join(path, "memory"), v, 128, 1048576)
	}
	if e.LaunchType == ECSFargate && cpuOK && memOK {
		if msg, onCPU := fargateSize(e.CPU, e.Memory); msg != "" {
			if onCPU {
				d.Errorf(cpuAt, join(path, "cpu"), "%s", msg)
			} else {
				d.Errorf(memAt, join(path, "memory"), "%s", msg)
			}
		}
	}
	if v := s.Get("port"); v != nil {
		e.Port, _ = d.number(join(path, "port"), v, 1, 65535)
	} else if e.Port == 0 {
		d.Errorf(at, join(path, "port"), "required: %s has no port; set port: (the container port the release serves on) or images.%s.port", img.Name, img.Name)
	}
	roleCheck := func(v string) string {
		if roleARN.MatchString(v) {
			return ""
		}
		return "is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)"
	}
	e.ExecutionRole = d.ecsString(path, s, "execution_role", false, roleCheck)
	e.TaskRole = d.ecsString(path, s, "task_role", false, roleCheck)
	d.ecs.claim(d, env, img.Name, e, svcAt, path)
	return e
}

// ecsString decodes the string key of an ecs target, "" when it is left
// out; check says what is wrong with a value, "" when nothing is.
func (d *decoder) ecsString(path string, s *section, key string, required bool, check func(string) string) string {
	var v *yaml.Node
	if required {
		v = s.Require(key)
	} else {
		v = s.Get(key)
	}
	if v == nil {
		return ""
	}
	out, ok := d.str(join(path, key), v)
	if ok {
		if msg := check(out); msg != "" {
			d.Errorf(v, join(path, key), "%q %s", out, msg)
		}
	}
	return out
}

// ecsIDs decodes a list of ids starting with prefix, each said to be what.
func (d *decoder) ecsIDs(path string, s *section, key, prefix, what string) []string {
	v := s.Get(key)
	if v == nil {
		return nil
	}
	ids, ok := d.strings(join(path, key), v)
	if !ok {
		return nil
	}
	for i, id := range ids {
		if !strings.HasPrefix(id, prefix) {
			d.Errorf(resolve(v).Content[i], index(join(path, key), i), "%q is not %s", id, what)
		}
	}
	return ids
}

// fargateMemory are the memory sizes (MiB) Fargate offers with each cpu:
// from, to and the step between them.
var fargateMemory = map[int][3]int{
	256:   {512, 2048, 0}, // 512, 1024 and 2048
	512:   {1024, 4096, 1024},
	1024:  {2048, 8192, 1024},
	2048:  {4096, 16384, 1024},
	4096:  {8192, 30720, 1024},
	8192:  {16384, 61440, 4096},
	16384: {32768, 122880, 8192},
}

// fargateSize says what is wrong with a Fargate task of cpu units and
// memory MiB, "" when nothing is; onCPU says the cpu is the problem.
func fargateSize(cpu, memory int) (msg string, onCPU bool) {
	r, ok := fargateMemory[cpu]
	if !ok {
		return fmt.Sprintf("Fargate does not offer cpu %d: use 256, 512, 1024, 2048, 4096, 8192 or 16384", cpu), true
	}
	if cpu == 256 {
		if memory == 512 || memory == 1024 || memory == 2048 {
			return "", false
		}
		return fmt.Sprintf("Fargate does not offer %d MiB of memory with cpu %d: use memory 512, 1024 or 2048", memory, cpu), false
	}
	if memory >= r[0] && memory <= r[1] && (memory-r[0])%r[2] == 0 {
		return "", false
	}
	var sizes []string
	for m := r[0]; m <= r[1]; m += r[2] {
		sizes = append(sizes, fmt.Sprint(m))
	}
	valid := fmt.Sprintf("%s to %s in steps of %d", sizes[0], sizes[len(sizes)-1], r[2])
	if len(sizes) <= 4 {
		valid = strings.Join(sizes[:len(sizes)-1], ", ") + " or " + sizes[len(sizes)-1]
	}
	return fmt.Sprintf("Fargate does not offer %d MiB of memory with cpu %d: use memory %s", memory, cpu, valid), false
}

// ecsUse remembers the service name prefixes ecs targets take in each
// cluster, so that no two targets make services of the same names.
type ecsUse map[[2]string][2]string // cluster, service -> environment, image

// claim takes e's service prefix in its cluster for image in env, and
// reports another target that took it.
func (u *ecsUse) claim(d *decoder, env, image string, e *ECS, at *yaml.Node, path string) {
	if e.Cluster == "" || e.Service == "" {
		return
	}
	if *u == nil {
		*u = ecsUse{}
	}
	cluster := e.Cluster
	if m := clusterARN.FindStringSubmatch(cluster); m != nil {
		cluster = m[1]
	}
	key := [2]string{cluster, e.Service}
	if first, taken := (*u)[key]; taken {
		who := fmt.Sprintf("images %s and %s", first[1], image)
		if first[1] == image {
			who = fmt.Sprintf("environments %s and %s", first[0], env)
		} else if first[0] != env {
			who = fmt.Sprintf("%s in %s and %s in %s", first[1], first[0], image, env)
		}
		d.Errorf(at, join(path, "service"), "%s would share services %s-v* in cluster %s: set service:", who, e.Service, cluster)
		return
	}
	(*u)[key] = [2]string{env, image}
}
