package cst

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// verdict is the outcome of one assertion of the metadata test.
type verdict struct {
	Name   string
	Detail string
	Passed bool
}

// checkMetadata answers each assertion of the metadata test from the
// image's config, one verdict each, in the order the schema lists them.
func checkMetadata(t *MetadataTest, cfg v1.Config) []verdict {
	var out []verdict
	add := func(name string, passed bool, format string, args ...any) {
		out = append(out, verdict{Name: "metadata " + name, Detail: fmt.Sprintf(format, args...), Passed: passed})
	}
	env := envMap(cfg.Env)
	for _, ev := range t.EnvVars {
		name, ok, detail := keyValue("env", ev.Key, ev.Value, ev.IsRegex, env)
		add(name, ok, "%s", detail)
	}
	for _, key := range t.UnboundEnvVars {
		if v, set := env[key]; set {
			add("unbound env "+key, false, "expected env %s not to be set, got %q", key, v)
		} else {
			add("unbound env "+key, true, "%s is not set", key)
		}
	}
	for _, l := range t.Labels {
		name, ok, detail := keyValue("label", l.Key, l.Value, l.IsRegex, cfg.Labels)
		add(name, ok, "%s", detail)
	}
	ports := sortedKeys(cfg.ExposedPorts)
	for _, p := range t.ExposedPorts {
		if exposes(ports, p) {
			add("exposed port "+p, true, "port %s is exposed", p)
		} else {
			add("exposed port "+p, false, "expected port %s to be exposed, exposed: %s", p, listOrNone(ports))
		}
	}
	for _, p := range t.UnexposedPorts {
		if exposes(ports, p) {
			add("unexposed port "+p, false, "expected port %s not to be exposed, exposed: %s", p, listOrNone(ports))
		} else {
			add("unexposed port "+p, true, "port %s is not exposed", p)
		}
	}
	volumes := sortedKeys(cfg.Volumes)
	for _, v := range t.Volumes {
		if slices.Contains(volumes, v) {
			add("volume "+v, true, "volume %s is declared", v)
		} else {
			add("volume "+v, false, "expected volume %s, volumes: %s", v, listOrNone(volumes))
		}
	}
	for _, v := range t.UnmountedVolumes {
		if slices.Contains(volumes, v) {
			add("unmounted volume "+v, false, "expected no volume %s, volumes: %s", v, listOrNone(volumes))
		} else {
			add("unmounted volume "+v, true, "volume %s is not declared", v)
		}
	}
	if t.Entrypoint != nil {
		ok := slices.Equal(t.Entrypoint, cfg.Entrypoint)
		add("entrypoint", ok, "%s", expectation("entrypoint", fmt.Sprintf("%q", t.Entrypoint), fmt.Sprintf("%q", cfg.Entrypoint), ok))
	}
	if t.Cmd != nil {
		ok := slices.Equal(t.Cmd, cfg.Cmd)
		add("cmd", ok, "%s", expectation("cmd", fmt.Sprintf("%q", t.Cmd), fmt.Sprintf("%q", cfg.Cmd), ok))
	}
	if t.Workdir != "" {
		ok := t.Workdir == cfg.WorkingDir
		add("workdir", ok, "%s", expectation("workdir", strconv.Quote(t.Workdir), strconv.Quote(cfg.WorkingDir), ok))
	}
	if t.User != "" {
		ok := t.User == cfg.User
		add("user", ok, "%s", expectation("user", strconv.Quote(t.User), strconv.Quote(cfg.User), ok))
	}
	return out
}

// keyValue checks one expected env var or label against what the image has.
func keyValue(what, key, want string, pattern bool, have map[string]string) (string, bool, string) {
	name := what + " " + key
	got, set := have[key]
	expect := fmt.Sprintf("expected %s %s=%s", what, key, want)
	if pattern {
		expect = fmt.Sprintf("expected %s %s matching %q", what, key, want)
	}
	if !set {
		return name, false, expect + ", not set"
	}
	ok, err := matchValue(want, got, pattern)
	switch {
	case err != nil:
		return name, false, err.Error()
	case !ok && pattern:
		return name, false, fmt.Sprintf("%s, got %q", expect, got)
	case !ok:
		return name, false, fmt.Sprintf("%s, got %s", expect, got)
	}
	return name, true, fmt.Sprintf("%s=%s", key, got)
}

// expectation says what was expected and seen, or just what was seen when
// they agree.
func expectation(what, want, got string, ok bool) string {
	if ok {
		return what + " " + got
	}
	return fmt.Sprintf("expected %s %s, got %s", what, want, got)
}

// exposes reports whether ports (such as 8080/tcp) include p: 8080 is any
// protocol, 8080/udp that one only.
func exposes(ports []string, p string) bool {
	for _, have := range ports {
		if have == p || (!strings.Contains(p, "/") && strings.SplitN(have, "/", 2)[0] == p) {
			return true
		}
	}
	return false
}

// envMap turns KEY=VALUE pairs into a map; a later pair wins.
func envMap(env []string) map[string]string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func sortedKeys(m map[string]struct{}) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func listOrNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}
