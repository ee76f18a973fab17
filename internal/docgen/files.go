package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// reference is every generated file, by path relative to docs/reference.
type reference map[string][]byte

// generate renders every reference from the module at root.
func generate(root string) (reference, error) {
	ref := reference{}
	if err := ref.addCLI(); err != nil {
		return nil, fmt.Errorf("cli reference: %w", err)
	}
	if err := ref.addConfig(root); err != nil {
		return nil, fmt.Errorf("bake.yaml reference: %w", err)
	}
	return ref, nil
}

// paths returns the files' paths in order.
func (r reference) paths() []string {
	out := make([]string, 0, len(r))
	for p := range r {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// generatedDirs are the directories docgen owns whole: a file there that
// it no longer writes (a removed command's page) is deleted.
var generatedDirs = []string{"cli"}

// write puts the files under dir, removing generated pages it no longer makes.
func (r reference) write(dir string) error {
	for _, sub := range generatedDirs {
		old, err := filepath.Glob(filepath.Join(dir, sub, "*.md"))
		if err != nil {
			return err
		}
		for _, f := range old {
			rel, _ := filepath.Rel(dir, f)
			if _, keep := r[filepath.ToSlash(rel)]; !keep {
				if err := os.Remove(f); err != nil {
					return err
				}
			}
		}
	}
	for _, p := range r.paths() {
		file := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			return err
		}
		if old, err := os.ReadFile(file); err == nil && bytes.Equal(old, r[p]) {
			continue
		}
		if err := os.WriteFile(file, r[p], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// diff lists how the files under dir differ from r: missing, changed, and
// generated pages that r no longer has.
func (r reference) diff(dir string) ([]string, error) {
	var out []string
	for _, p := range r.paths() {
		have, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		switch {
		case os.IsNotExist(err):
			out = append(out, p+": missing")
		case err != nil:
			return nil, err
		case !bytes.Equal(have, r[p]):
			out = append(out, p+": out of date")
		}
	}
	for _, sub := range generatedDirs {
		err := filepath.WalkDir(filepath.Join(dir, sub), func(path string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(dir, path)
			if _, ok := r[filepath.ToSlash(rel)]; !ok && filepath.Ext(path) == ".md" {
				out = append(out, filepath.ToSlash(rel)+": no longer generated")
			}
			return nil
		})
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
	}
	return out, nil
}
