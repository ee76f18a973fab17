package yamlerr

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Decoder walks the nodes of one YAML file and collects every problem it
// finds, each at its place. bake.yaml and container-structure-test files
// are both read with it.
type Decoder struct {
	File string // as shown in messages
	Kind error  // the sentinel every problem wraps
	// LongKeyNote is added to the message about a key longer than YAML
	// allows, such as the limit of the names that keys hold.
	LongKeyNote string
	Errs        List[*Error]
}

// Errorf records a problem at node n (which may be nil) under the key path key.
func (d *Decoder) Errorf(n *yaml.Node, key, format string, args ...any) {
	e := &Error{File: d.File, Key: key, Msg: fmt.Sprintf(format, args...), Kind: d.Kind}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	d.Errs = append(d.Errs, e)
}

// Err returns nil, the only problem, or every problem in file order.
func (d *Decoder) Err() error { return d.Errs.Err() }

// Document returns the top node of the only document in data, resolved;
// nil when the file is empty or holds only null. It reports malformed YAML
// and a second document, and then returns false.
func (d *Decoder) Document(data []byte) (*yaml.Node, bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, true
		}
		d.malformed(err, data)
		return nil, false
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		d.Errorf(&next, "", "found a second YAML document; %s holds exactly one", filepath.Base(d.File))
		return nil, false
	} else if !errors.Is(err, io.EOF) {
		d.malformed(err, data)
		return nil, false
	}
	if len(doc.Content) == 0 || IsNull(doc.Content[0]) {
		return nil, true
	}
	return Resolve(doc.Content[0]), true
}

// yamlLine finds the line yaml.v3 names in its syntax errors.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

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
func (d *Decoder) malformed(err error, data []byte) {
	if line, col, n, ok := LongKey(data); ok {
		// yaml.v3's own message for it names a problem that is not there.
		msg := fmt.Sprintf("a key of %d characters: YAML keys are at most %d characters", n, maxKey)
		if d.LongKeyNote != "" {
			msg += ", and " + d.LongKeyNote
		}
		d.Errs = append(d.Errs, &Error{File: d.File, Line: line, Column: col, Msg: msg, Kind: d.Kind})
		return
	}
	lines := bytes.Count(bytes.TrimRight(data, "\n"), []byte("\n")) + 1
	msg := strings.Join(strings.Fields(err.Error()), " ")
	e := &Error{File: d.File, Kind: d.Kind}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
		if parserProblem(msg) && e.Line < lines {
			e.Line++
		}
		if strings.Contains(msg, "found a tab character") {
			if line, col, ok := TabIndent(data, e.Line); ok {
				e.Line, e.Column = line, col
			}
		}
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
		// yaml.v3 names no line for an alias to no anchor: find the alias.
		e.Line, e.Column, _ = UnknownAlias(data, msg)
	}
	e.Msg = "malformed YAML: " + msg
	d.Errs = append(d.Errs, e)
}
