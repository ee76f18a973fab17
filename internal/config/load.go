package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

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
	d := &decoder{Decoder: &yamlerr.Decoder{File: file, Kind: ErrInvalid,
		LongKeyNote: fmt.Sprintf("bake's names (images, environments) at most %d", maxImageName)}, dir: filepath.Dir(abs)}
	root, ok := d.parse(data)
	if !ok {
		return nil, d.Err()
	}
	p := d.project(root)
	p.File = abs
	p.Dir = d.dir
	if err := d.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

// parse turns data into the root mapping node, reporting malformed YAML,
// an empty file and more than one document.
func (d *decoder) parse(data []byte) (*yaml.Node, bool) {
	root, ok := d.Document(data)
	if !ok {
		return nil, false
	}
	if root == nil {
		d.Errorf(nil, "", "file is empty; it needs at least project, images and environments")
		return nil, false
	}
	if root.Kind != yaml.MappingNode {
		d.Errorf(root, "", "expected a mapping at the top level, got %s", describe(root))
		return nil, false
	}
	return root, true
}
