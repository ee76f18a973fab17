package cst

import (
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// portString is a port as the metadata test names it: 8080 or 8080/tcp.
var portString = regexp.MustCompile(`^[0-9]{1,5}(/(tcp|udp|sctp))?$`)

func (d *decoder) metadataTest(path string, n *yaml.Node) *MetadataTest {
	t := &MetadataTest{}
	f, ok := d.mapping(path, n, "envVars", "unboundEnvVars", "labels", "exposedPorts", "unexposedPorts",
		"volumes", "unmountedVolumes", "entrypoint", "cmd", "workdir", "user")
	if !ok {
		return t
	}
	t.EnvVars = d.envVars(join(path, "envVars"), f.get("envVars"), true)
	for i, it := range d.list(join(path, "unboundEnvVars"), f.get("unboundEnvVars")) {
		p := index(join(path, "unboundEnvVars"), i)
		if g, ok := d.mapping(p, it, "key"); ok {
			d.require(g, p, "key")
			t.UnboundEnvVars = append(t.UnboundEnvVars, d.str(join(p, "key"), g.get("key")))
		}
	}
	for _, ev := range d.envVars(join(path, "labels"), f.get("labels"), true) {
		t.Labels = append(t.Labels, Label(ev))
	}
	t.ExposedPorts = d.strs(join(path, "exposedPorts"), f.get("exposedPorts"), d.port)
	t.UnexposedPorts = d.strs(join(path, "unexposedPorts"), f.get("unexposedPorts"), d.port)
	t.Volumes = d.strs(join(path, "volumes"), f.get("volumes"), d.str)
	t.UnmountedVolumes = d.strs(join(path, "unmountedVolumes"), f.get("unmountedVolumes"), d.str)
	t.Entrypoint = d.strs(join(path, "entrypoint"), f.get("entrypoint"), d.str)
	t.Cmd = d.strs(join(path, "cmd"), f.get("cmd"), d.str)
	t.Workdir = d.str(join(path, "workdir"), f.get("workdir"))
	t.User = d.str(join(path, "user"), f.get("user"))
	return t
}

// port reads an exposed port: 8080, or 8080/tcp to name the protocol.
func (d *decoder) port(path string, n *yaml.Node) string {
	s := d.str(path, n)
	if !strings.Contains(s, "{{") && !portString.MatchString(s) {
		d.errorf(n, path, "expected a port such as %q or %q, got %s", "8080", "8080/tcp", describe(n))
	}
	return s
}
