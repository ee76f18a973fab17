package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bakehq/bake/internal/yamlerr"
)

// FileName is the name bake looks for when given a directory.
const FileName = "bake.yaml"

// Load reads, validates and resolves the bake.yaml at path. When path is a
// directory, Load reads the bake.yaml inside it.
func Load(path string) (*Project, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, FileName)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		shown := path
		if abs, absErr := filepath.Abs(path); absErr == nil {
			shown = abs
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, newFileError(err, "bake.yaml not found at %s: run \"bake init\" to create one", shown)
		}
		return nil, newFileError(err, "reading bake.yaml at %s: %v", shown, err)
	}
	return Parse(path, data)
}

// Parse validates and resolves a bake.yaml held in data. file names it in
// messages, and relative paths resolve against its directory.
func Parse(file string, data []byte) (*Project, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, newFileError(err, "resolving %s: %v", file, err)
	}
	d := &decoder{file: file, dir: filepath.Dir(abs)}
	root, ok := d.parse(data)
	if !ok {
		return nil, d.errs.Err()
	}
	p := d.project(root)
	p.File = abs
	p.Dir = d.dir
	if err := d.errs.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

// yamlLine finds the line yaml.v3 names in its syntax errors.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// parse turns data into the root mapping node, reporting malformed YAML,
// an empty file and more than one document.
func (d *decoder) parse(data []byte) (*yaml.Node, bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.errorf(nil, "", "file is empty; it needs at least project, images and environments")
			return nil, false
		}
		d.malformed(err, data)
		return nil, false
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		d.errorf(&next, "", "found a second YAML document; bake.yaml holds exactly one")
		return nil, false
	} else if !errors.Is(err, io.EOF) {
		d.malformed(err, data)
		return nil, false
	}
	if len(doc.Content) == 0 || isNull(doc.Content[0]) {
		d.errorf(nil, "", "file is empty; it needs at least project, images and environments")
		return nil, false
	}
	root := resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		d.errorf(root, "", "expected a mapping at the top level, got %s", describe(root))
		return nil, false
	}
	return root, true
}

// parserProblems are the messages of yaml.v3's parser (as opposed to its
// scanner): for these it names the line counting from 0, where the
// collection that could not be closed starts.
var parserProblems = []string{
	"did not find expected key", "did not find expected node content", "did not find expected '-' indicator",
	"did not find expected ',' or ']'", "did not find expected ',' or '}'", "did not find expected <document start>",
	"found undefined tag handle", "found duplicate %YAML directive", "found duplicate %TAG directive",
	"found incompatible YAML document",
}

func parserProblem(msg string) bool {
	for _, p := range parserProblems {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// malformed records a YAML syntax error as FILE:LINE: malformed YAML: MESSAGE.
func (d *decoder) malformed(err error, data []byte) {
	if line, col, n, ok := yamlerr.LongKey(data); ok {
		// yaml.v3's own message for it names a problem that is not there.
		d.errs = append(d.errs, &Error{File: d.file, Line: line, Column: col,
			Msg: fmt.Sprintf("a key of %d characters: YAML keys are at most 1024 characters, and bake's names (images, environments) at most %d", n, maxImageName)})
		return
	}
	lines := bytes.Count(bytes.TrimRight(data, "\n"), []byte("\n")) + 1
	msg := strings.Join(strings.Fields(err.Error()), " ")
	e := &Error{File: d.file}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
		if parserProblem(msg) && e.Line < lines {
			e.Line++
		}
		if strings.Contains(msg, "found a tab character") {
			if line, col, ok := yamlerr.TabIndent(data, e.Line); ok {
				e.Line, e.Column = line, col
			}
		}
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
		// yaml.v3 names no line for an alias to no anchor: find the alias.
		e.Line, e.Column, _ = yamlerr.UnknownAlias(data, msg)
	}
	e.Msg = "malformed YAML: " + msg
	d.errs = append(d.errs, e)
}
