package cst

import (
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bakehq/bake/internal/yamlerr"
)

// Load reads and checks a container-structure-test file. Every error wraps
// ErrInvalid and names the file, line, column and key of the problem.
func Load(path string) (*Suite, error) {
	if real, err := filepath.EvalSymlinks(path); err == nil && !within(filepath.Dir(path), real) {
		// Its text would show in errors: a link to ~/.aws/credentials must
		// not put the file into a CI log.
		return nil, &Error{File: path, Msg: "leads out of its directory through a symbolic link: keep the container-structure-test file inside the build context", Kind: ErrInvalid}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Msg: "reading container-structure-test file: " + err.Error(), Kind: ErrInvalid, Cause: err}
	}
	return Parse(path, data)
}

// Parse checks the contents of a container-structure-test file; file names
// it in errors.
func Parse(file string, data []byte) (*Suite, error) {
	d := &decoder{Decoder: &yamlerr.Decoder{File: file, Kind: ErrInvalid}}
	root, ok := d.Document(data)
	if !ok {
		return nil, d.Err()
	}
	if root == nil {
		d.Errorf(nil, "schemaVersion", "required; the file is empty")
		return nil, d.Err()
	}
	s := d.suite(root)
	s.File = file
	if err := d.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

// suite reads the top-level mapping.
func (d *decoder) suite(root *yaml.Node) *Suite {
	s := &Suite{}
	f, ok := d.mapping("", root, "schemaVersion", "globalEnvVars", "commandTests", "fileExistenceTests",
		"fileContentTests", "metadataTest", "licenseTests", "containerRunOptions")
	if !ok {
		return s
	}
	switch v := f.Get("schemaVersion"); {
	case isNull(v) && f.Misspelt("schemaVersion"):
		// the misspelt key was reported
	case isNull(v):
		d.Errorf(root, "schemaVersion", "required; set it to %q", SchemaVersion)
	case resolve(v).Value != SchemaVersion:
		d.Errorf(v, "schemaVersion", "unsupported version %s; bake reads schema version %s", describe(v), SchemaVersion)
	}
	for _, key := range []string{"licenseTests", "containerRunOptions"} {
		if n := f.Get(key); n != nil {
			d.Errorf(f.Key(key), key, "not supported by bake; remove it from this file")
		}
	}
	s.GlobalEnvVars = d.envVars("globalEnvVars", f.Get("globalEnvVars"), false)
	for i, n := range d.list("commandTests", f.Get("commandTests")) {
		s.CommandTests = append(s.CommandTests, d.commandTest(index("commandTests", i), n))
	}
	for i, n := range d.list("fileExistenceTests", f.Get("fileExistenceTests")) {
		s.FileExistenceTests = append(s.FileExistenceTests, d.fileExistenceTest(index("fileExistenceTests", i), n))
	}
	for i, n := range d.list("fileContentTests", f.Get("fileContentTests")) {
		s.FileContentTests = append(s.FileContentTests, d.fileContentTest(index("fileContentTests", i), n))
	}
	if n := f.Get("metadataTest"); !isNull(n) {
		s.MetadataTest = d.metadataTest("metadataTest", n)
	}
	return s
}

// within says whether real, a path with its links followed, is inside dir.
func within(dir, real string) bool {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(root, real)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
