package cst

import (
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// permissionString is how Go's fs.FileMode prints a mode, which is what
// container-structure-test compares against: type and special-bit letters
// (or "-"), then rwx three times.
var permissionString = regexp.MustCompile(`^(-|[dalTLDpSugct?]+)([r-][w-][x-]){3}$`)

// executableBy are the accepted values of isExecutableBy.
var executableBy = []string{"owner", "group", "other", "any"}

func (d *decoder) commandTest(path string, n *yaml.Node) CommandTest {
	var t CommandTest
	f, ok := d.mapping(path, n, "name", "command", "args", "envVars", "expectedOutput", "excludedOutput",
		"expectedError", "excludedError", "exitCode", "setup", "teardown")
	if !ok {
		return t
	}
	requireKeys(f, "name", "command")
	for _, key := range []string{"setup", "teardown"} {
		if v := f.Get(key); len(d.list(join(path, key), v)) > 0 {
			d.Errorf(f.Key(key), join(path, key), "not supported by bake: each command test runs in a fresh container of the image; "+
				"put these steps in the image or in the test's command")
		}
	}
	t.Name = d.str(join(path, "name"), f.Get("name"))
	t.Command = d.str(join(path, "command"), f.Get("command"))
	t.Args = d.strs(join(path, "args"), f.Get("args"), d.str)
	t.EnvVars = d.envVars(join(path, "envVars"), f.Get("envVars"), false)
	t.ExpectedOutput = d.strs(join(path, "expectedOutput"), f.Get("expectedOutput"), d.pattern)
	t.ExcludedOutput = d.strs(join(path, "excludedOutput"), f.Get("excludedOutput"), d.pattern)
	t.ExpectedError = d.strs(join(path, "expectedError"), f.Get("expectedError"), d.pattern)
	t.ExcludedError = d.strs(join(path, "excludedError"), f.Get("excludedError"), d.pattern)
	if v := f.Get("exitCode"); !isNull(v) {
		t.ExitCode = d.integer(join(path, "exitCode"), v)
	}
	return t
}

func (d *decoder) fileExistenceTest(path string, n *yaml.Node) FileExistenceTest {
	t := FileExistenceTest{ShouldExist: true}
	f, ok := d.mapping(path, n, "name", "path", "shouldExist", "permissions", "uid", "gid", "isExecutableBy")
	if !ok {
		return t
	}
	requireKeys(f, "name", "path")
	t.Name = d.str(join(path, "name"), f.Get("name"))
	t.Path = d.str(join(path, "path"), f.Get("path"))
	if v := f.Get("shouldExist"); !isNull(v) {
		t.ShouldExist = d.boolean(join(path, "shouldExist"), v)
	}
	if v := f.Get("permissions"); !isNull(v) {
		t.Permissions = d.str(join(path, "permissions"), v)
		if !permissionString.MatchString(t.Permissions) {
			d.Errorf(v, join(path, "permissions"), "expected a permission string such as %q or %q, got %s",
				"-rwxr-xr-x", "drwxr-xr-x", describe(v))
		}
	}
	t.UID = d.owner(join(path, "uid"), f.Get("uid"))
	t.GID = d.owner(join(path, "gid"), f.Get("gid"))
	if v := f.Get("isExecutableBy"); !isNull(v) {
		t.IsExecutableBy = d.str(join(path, "isExecutableBy"), v)
		if !slices.Contains(executableBy, t.IsExecutableBy) {
			d.Errorf(v, join(path, "isExecutableBy"), "expected one of %s, got %s", strings.Join(executableBy, ", "), describe(v))
		}
	}
	return t
}

// owner reads a uid or gid; absent is nil.
func (d *decoder) owner(path string, n *yaml.Node) *int {
	if isNull(n) {
		return nil
	}
	id := d.integer(path, n)
	if id < 0 {
		d.Errorf(n, path, "expected an id of 0 or more, got %d", id)
	}
	return &id
}

func (d *decoder) fileContentTest(path string, n *yaml.Node) FileContentTest {
	var t FileContentTest
	f, ok := d.mapping(path, n, "name", "path", "expectedContents", "excludedContents")
	if !ok {
		return t
	}
	requireKeys(f, "name", "path")
	t.Name = d.str(join(path, "name"), f.Get("name"))
	t.Path = d.str(join(path, "path"), f.Get("path"))
	t.ExpectedContents = d.strs(join(path, "expectedContents"), f.Get("expectedContents"), d.pattern)
	t.ExcludedContents = d.strs(join(path, "excludedContents"), f.Get("excludedContents"), d.pattern)
	return t
}

// envVars reads a list of {key, value} pairs; with regex, isRegex may make
// the value a regular expression.
func (d *decoder) envVars(path string, n *yaml.Node, regex bool) []EnvVar {
	var out []EnvVar
	known := []string{"key", "value"}
	if regex {
		known = append(known, "isRegex")
	}
	for i, it := range d.list(path, n) {
		p := index(path, i)
		f, ok := d.mapping(p, it, known...)
		if !ok {
			continue
		}
		requireKeys(f, "key")
		ev := EnvVar{Key: d.str(join(p, "key"), f.Get("key"))}
		if strings.Contains(ev.Key, "=") {
			d.Errorf(f.Get("key"), join(p, "key"), "an environment variable name cannot contain %q", "=")
		}
		if v := f.Get("isRegex"); !isNull(v) {
			ev.IsRegex = d.boolean(join(p, "isRegex"), v)
		}
		if ev.IsRegex {
			ev.Value = d.pattern(join(p, "value"), f.Get("value"))
		} else {
			ev.Value = d.str(join(p, "value"), f.Get("value"))
		}
		out = append(out, ev)
	}
	return out
}
