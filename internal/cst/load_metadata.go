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
	t.EnvVars = d.envVars(join(path, "envVars"), f.Get("envVars"), true)
	for i, it := range d.list(join(path, "unboundEnvVars"), f.Get("unboundEnvVars")) {
		p := index(join(path, "unboundEnvVars"), i)
		if g, ok := d.mapping(p, it, "key"); ok {
			requireKeys(g, "key")
			t.UnboundEnvVars = append(t.UnboundEnvVars, d.str(join(p, "key"), g.Get("key")))
		}
	}
	for _, ev := range d.envVars(join(path, "labels"), f.Get("labels"), true) {
		t.Labels = append(t.Labels, Label(ev))
	}
	t.ExposedPorts = d.strs(join(path, "exposedPorts"), f.Get("exposedPorts"), d.port)
	t.UnexposedPorts = d.strs(join(path, "unexposedPorts"), f.Get("unexposedPorts"), d.port)
	t.Volumes = d.strs(join(path, "volumes"), f.Get("volumes"), d.str)
	t.UnmountedVolumes = d.strs(join(path, "unmountedVolumes"), f.Get("unmountedVolumes"), d.str)
	t.Entrypoint = d.strs(join(path, "entrypoint"), f.Get("entrypoint"), d.str)
	t.Cmd = d.strs(join(path, "cmd"), f.Get("cmd"), d.str)
	t.Workdir = d.str(join(path, "workdir"), f.Get("workdir"))
	t.User = d.str(join(path, "user"), f.Get("user"))
	return t
}

// port reads an exposed port: 8080, or 8080/tcp to name the protocol.
func (d *decoder) port(path string, n *yaml.Node) string {
	s := d.str(path, n)
	if !strings.Contains(s, "{{") && !portString.MatchString(s) {
		d.Errorf(n, path, "expected a port such as %q or %q, got %s", "8080", "8080/tcp", describe(n))
	}
	return s
}
