package cst

import (
	"errors"
	"regexp"
	"text/template"

	"github.com/bakehq/bake/internal/probe"
)

// execErrPrefix is what text/template puts before an execution error.
var execErrPrefix = regexp.MustCompile(`^template: .*?:\d+:\d+: executing ".*?" at `)

// Renders renders every field of every test with data, as Run will, so
// that a template naming a field or variable that does not exist is bad
// input (ErrInvalid, naming the file and the field) before an image is
// built, not a failed test in a recorded release.
func (s *Suite) Renders(data probe.Data) error {
	rd := &renderer{data: data}
	rd.envVars("globalEnvVars", s.GlobalEnvVars)
	for i, t := range s.CommandTests {
		rd.commandTest(index("commandTests", i), t)
	}
	for i, t := range s.FileExistenceTests {
		rd.fileExistenceTest(index("fileExistenceTests", i), t)
	}
	for i, t := range s.FileContentTests {
		rd.fileContentTest(index("fileContentTests", i), t)
	}
	if s.MetadataTest != nil {
		rd.metadataTest("metadataTest", s.MetadataTest)
	}
	var exec template.ExecError
	if !errors.As(rd.err, &exec) {
		if rd.err != nil {
			return &Error{File: s.File, Msg: rd.err.Error(), Kind: ErrInvalid}
		}
		return nil
	}
	return &Error{File: s.File, Key: exec.Name, Msg: "invalid template: " + execErrPrefix.ReplaceAllString(exec.Error(), ""), Kind: ErrInvalid}
}
