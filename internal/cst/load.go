package cst

import (
	"bytes"
	"errors"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bakehq/bake/internal/yamlerr"
)

// Load reads and checks a container-structure-test file. Every error wraps
// ErrInvalid and names the file, line, column and key of the problem.
func Load(path string) (*Suite, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Msg: "reading container-structure-test file: " + err.Error(), cause: err}
	}
	return Parse(path, data)
}

// Parse checks the contents of a container-structure-test file; file names
// it in errors.
func Parse(file string, data []byte) (*Suite, error) {
	d := &decoder{file: file}
	root, err := document(file, data)
	if err != nil {
		return nil, err
	}
	s := d.suite(root)
	s.File = file
	if err := d.errs.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

// yamlLine finds the line in yaml.v3's syntax errors.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// document returns the mapping at the top of the file's only document.
func document(file string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: file, Key: "schemaVersion", Msg: "required; the file is empty"}
		}
		return nil, syntaxError(file, data, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &Error{File: file, Line: extra.Line, Column: extra.Column, Msg: "expected one YAML document, found another"}
	} else if !errors.Is(err, io.EOF) {
		return nil, syntaxError(file, data, err)
	}
	if len(doc.Content) == 0 {
		return nil, &Error{File: file, Key: "schemaVersion", Msg: "required; the file is empty"}
	}
	return doc.Content[0], nil
}

func syntaxError(file string, data []byte, err error) error {
	e := &Error{File: file, Msg: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Msg = "invalid YAML: " + m[2]
		if strings.Contains(m[2], "found a tab character") {
			if line, col, ok := yamlerr.TabIndent(data, e.Line); ok {
				e.Line, e.Column = line, col
			}
		}
	} else {
		// yaml.v3 names no line for an alias to no anchor: find the alias.
		e.Line, e.Column, _ = yamlerr.UnknownAlias(data, err.Error())
	}
	return e
}

// suite reads the top-level mapping.
func (d *decoder) suite(root *yaml.Node) *Suite {
	s := &Suite{}
	f, ok := d.mapping("", root, "schemaVersion", "globalEnvVars", "commandTests", "fileExistenceTests",
		"fileContentTests", "metadataTest", "licenseTests", "containerRunOptions")
	if !ok {
		return s
	}
	switch v := f.get("schemaVersion"); {
	case isNull(v) && f.misspelt["schemaVersion"] && f.keys["schemaVersion"] == nil:
		// the misspelt key was reported
	case isNull(v):
		d.errorf(root, "schemaVersion", "required; set it to %q", SchemaVersion)
	case resolve(v).Value != SchemaVersion:
		d.errorf(v, "schemaVersion", "unsupported version %s; bake reads schema version %s", describe(v), SchemaVersion)
	}
	for _, key := range []string{"licenseTests", "containerRunOptions"} {
		if n := f.get(key); n != nil {
			d.errorf(f.keys[key], key, "not supported by bake; remove it from this file")
		}
	}
	s.GlobalEnvVars = d.envVars("globalEnvVars", f.get("globalEnvVars"), false)
	for i, n := range d.list("commandTests", f.get("commandTests")) {
		s.CommandTests = append(s.CommandTests, d.commandTest(index("commandTests", i), n))
	}
	for i, n := range d.list("fileExistenceTests", f.get("fileExistenceTests")) {
		s.FileExistenceTests = append(s.FileExistenceTests, d.fileExistenceTest(index("fileExistenceTests", i), n))
	}
	for i, n := range d.list("fileContentTests", f.get("fileContentTests")) {
		s.FileContentTests = append(s.FileContentTests, d.fileContentTest(index("fileContentTests", i), n))
	}
	if n := f.get("metadataTest"); !isNull(n) {
		s.MetadataTest = d.metadataTest("metadataTest", n)
	}
	return s
}
