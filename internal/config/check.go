package config

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"text/template"

	"gopkg.in/yaml.v3"
)

// checks decodes an image's checks: list. img.Port must already be set: it is
// the default port of http checks. portGiven says whether the image has a
// port: key at all, so that an invalid one is not reported twice.
func (d *decoder) checks(path string, n *yaml.Node, img *Image, portGiven bool) []Check {
	if n.Kind != yaml.SequenceNode {
		d.Errorf(n, path, "expected a list of checks, got %s", describe(n))
		return nil
	}
	var out []Check
	first := map[string]*yaml.Node{}
	for i, item := range n.Content {
		item = resolve(item)
		c, nameNode, ok := d.check(index(path, i), item, img, portGiven)
		if !ok {
			continue
		}
		if prev, dup := first[c.Name]; dup {
			d.Errorf(nameNode, join(index(path, i), "name"), "duplicate check name %q; first used at line %d", c.Name, prev.Line)
			continue
		}
		first[c.Name] = nameNode
		out = append(out, c)
	}
	return out
}

// check decodes one check and returns the node of its name for duplicate reports.
func (d *decoder) check(path string, n *yaml.Node, img *Image, portGiven bool) (Check, *yaml.Node, bool) {
	var c Check
	s, ok := d.Section(path, n, n, fileKeys[Check]("")...)
	if !ok {
		return c, nil, false
	}
	before := len(d.Errs)
	nameNode := s.Require("name")
	if nameNode != nil {
		c.Name, _ = d.str(join(path, "name"), nameNode)
	}
	var kinds []string
	for _, k := range []string{"http", "tcp", "command", "user"} {
		if s.Get(k) != nil {
			kinds = append(kinds, k)
		}
	}
	switch {
	case len(kinds) > 1:
		d.Errorf(s.Key(kinds[1]), path, "set one of http, tcp, command or user, not %s", strings.Join(kinds, " and "))
	case len(kinds) == 0:
		d.Errorf(n, path, "set one of http, tcp, command or user")
	case kinds[0] == "http":
		c.HTTP = d.httpCheck(join(path, "http"), s.Key("http"), s.Get("http"), img, portGiven)
	case kinds[0] == "tcp":
		c.TCP = d.tcpCheck(join(path, "tcp"), s.Key("tcp"), s.Get("tcp"), img, portGiven)
	case kinds[0] == "user":
		c.User = d.userCheck(join(path, "user"), s.Key("user"), s.Get("user"))
	default:
		c.Command = d.commandCheck(join(path, "command"), s.Key("command"), s.Get("command"), img)
	}
	return c, nameNode, len(d.Errs) == before
}

// httpCheck decodes the http: part of a check and applies its defaults.
func (d *decoder) httpCheck(path string, at, n *yaml.Node, img *Image, portGiven bool) *HTTPCheck {
	h := &HTTPCheck{Port: img.Port, Path: "/", Status: 200, Timeout: DefaultCheckTimeout}
	s, ok := d.Section(path, at, n, fileKeys[HTTPCheck]("")...)
	if !ok {
		return nil
	}
	if v := s.Get("port"); v != nil {
		h.Port, _ = d.number(join(path, "port"), v, 1, 65535)
	} else if !portGiven {
		d.Errorf(at, join(path, "port"), "required because images.%s has no port", img.Name)
	}
	if v := s.Get("path"); v != nil {
		if p, ok := d.str(join(path, "path"), v); ok {
			if !strings.HasPrefix(p, "/") {
				d.Errorf(v, join(path, "path"), "must start with \"/\", got %q", p)
			} else if err := checkTemplate(p); err != nil {
				d.Errorf(v, join(path, "path"), "%v", err)
			} else if err := checkRenders(p, img); err != nil {
				d.Errorf(v, join(path, "path"), "%v", err)
			}
			h.Path = p
		}
	}
	if v := s.Get("status"); v != nil {
		h.Status, _ = d.number(join(path, "status"), v, 100, 599)
	}
	if v := s.Get("body"); v != nil {
		h.Body = d.pattern(join(path, "body"), v, img)
	}
	if v := s.Get("timeout"); v != nil {
		h.Timeout, _ = d.duration(join(path, "timeout"), v)
	}
	return h
}

// tcpCheck decodes the tcp: part of a check and applies its defaults.
func (d *decoder) tcpCheck(path string, at, n *yaml.Node, img *Image, portGiven bool) *TCPCheck {
	t := &TCPCheck{Port: img.Port, Timeout: DefaultCheckTimeout}
	s, ok := d.Section(path, at, n, fileKeys[TCPCheck]("")...)
	if !ok {
		return nil
	}
	if v := s.Get("port"); v != nil {
		t.Port, _ = d.number(join(path, "port"), v, 1, 65535)
	} else if !portGiven {
		d.Errorf(at, join(path, "port"), "required because images.%s has no port", img.Name)
	}
	if v := s.Get("timeout"); v != nil {
		t.Timeout, _ = d.duration(join(path, "timeout"), v)
	}
	return t
}

// userCheck decodes the user: part of a check.
func (d *decoder) userCheck(path string, at, n *yaml.Node) *UserCheck {
	u := &UserCheck{}
	s, ok := d.Section(path, at, n, fileKeys[UserCheck]("")...)
	if !ok {
		return nil
	}
	if v := s.Get("not_root"); v != nil {
		u.NotRoot, _ = d.boolean(join(path, "not_root"), v)
	}
	if v := s.Get("name"); v != nil {
		u.Name, _ = d.str(join(path, "name"), v)
	}
	if !u.NotRoot && u.Name == "" {
		d.Errorf(at, path, "set not_root: true or a name")
	}
	return u
}

// commandCheck decodes the command: part of a check and applies its defaults.
func (d *decoder) commandCheck(path string, at, n *yaml.Node, img *Image) *CommandCheck {
	c := &CommandCheck{Timeout: DefaultCheckTimeout}
	s, ok := d.Section(path, at, n, fileKeys[CommandCheck]("")...)
	if !ok {
		return nil
	}
	if v := s.Require("argv"); v != nil {
		if argv, ok := d.strings(join(path, "argv"), v); ok {
			c.Argv = argv
			for i, a := range argv {
				if err := checkTemplate(a); err != nil {
					d.Errorf(v.Content[i], index(join(path, "argv"), i), "%v", err)
				} else if err := checkRenders(a, img); err != nil {
					d.Errorf(v.Content[i], index(join(path, "argv"), i), "%v", err)
				}
			}
		}
	}
	if v := s.Get("exit"); v != nil {
		c.ExitCode, _ = d.number(join(path, "exit"), v, 0, 255)
	}
	if v := s.Get("stdout"); v != nil {
		c.Stdout = d.pattern(join(path, "stdout"), v, img)
	}
	if v := s.Get("timeout"); v != nil {
		c.Timeout, _ = d.duration(join(path, "timeout"), v)
	}
	return c
}

// pattern reads a regular expression that may hold template actions.
func (d *decoder) pattern(path string, n *yaml.Node, img *Image) string {
	s, ok := d.str(path, n)
	if !ok {
		return ""
	}
	if err := checkPattern(s); err != nil {
		d.Errorf(n, path, "%v", err)
	} else if err := checkRenders(s, img); err != nil {
		d.Errorf(n, path, "%v", err)
	}
	return s
}

// templateAction matches one {{ ... }} action of a Go template.
var templateAction = regexp.MustCompile(`(?s)\{\{.*?\}\}`)

// checkPattern checks that s parses as a Go template and, with each action
// standing in for plain text, compiles as a regular expression.
func checkPattern(s string) error {
	if err := checkTemplate(s); err != nil {
		return err
	}
	if _, err := regexp.Compile(templateAction.ReplaceAllString(s, "x")); err != nil {
		return fmt.Errorf("invalid regular expression: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	return nil
}

// templateErrPrefix is what text/template puts before its message; the file
// position already says where the value is.
var templateErrPrefix = regexp.MustCompile(`^template: value:\d+:(\d+:)? `)

// checkTemplate checks that s parses as a Go template.
func checkTemplate(s string) error {
	if !strings.Contains(s, "{{") {
		return nil
	}
	if _, err := template.New("value").Parse(s); err != nil {
		return fmt.Errorf("invalid template: %s", templateErrPrefix.ReplaceAllString(err.Error(), ""))
	}
	return nil
}

// templateExecPrefix is what text/template puts before an execution error.
var templateExecPrefix = regexp.MustCompile(`^template: value:\d+:\d+: executing "value" at `)

// checkRenders renders s, which parses, the way the check will be rendered
// when it runs (probe.Data: the image, a version and the image's vars), so
// that a misspelt field or an undefined variable is bad input now, not a
// failed check that burns a version.
func checkRenders(s string, img *Image) error {
	if !strings.Contains(s, "{{") {
		return nil
	}
	t, err := template.New("value").Option("missingkey=error").Parse(s)
	if err != nil {
		return fmt.Errorf("invalid template: %s", templateErrPrefix.ReplaceAllString(err.Error(), ""))
	}
	data := map[string]any{"Image": img.Name, "Version": "1.0.0", "Vars": img.Vars}
	if err := t.Execute(io.Discard, data); err != nil {
		return fmt.Errorf("invalid template: %s", templateExecPrefix.ReplaceAllString(err.Error(), ""))
	}
	return nil
}
