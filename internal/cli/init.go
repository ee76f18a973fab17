package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake"
	"github.com/bakehq/bake/internal/config"
)

func newCmdInit(f *Factory) *cobra.Command {
	var dir string
	var force bool
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Write a working bake.yaml, templates and the example image into a directory",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return exactArgs(1, "at most one DIR")(cmd, args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			dir = "."
			if len(args) == 1 {
				dir = args[0]
			}
			return runInit(f, dir, force)
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "overwrite files that already exist")
	return cmd
}

type initResult struct {
	Dir   string   `json:"dir"`
	Files []string `json:"files"`
}

func runInit(f *Factory, dir string, force bool) error {
	if !force {
		if _, err := os.Stat(filepath.Join(dir, config.FileName)); err == nil {
			return &usageError{fmt.Sprintf("%s already exists: use --force to overwrite it", filepath.Join(dir, config.FileName))}
		}
	}
	res := initResult{Dir: dir, Files: []string{}}
	err := fs.WalkDir(bake.Defaults, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		dest := filepath.Join(dir, filepath.FromSlash(path))
		if _, err := os.Stat(dest); err == nil && !force {
			return nil
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		data, err := fs.ReadFile(bake.Defaults, path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dest, data, 0o644); err != nil {
			return err
		}
		res.Files = append(res.Files, path)
		return nil
	})
	if err != nil {
		return fmt.Errorf("writing the example project to %s: %w", dir, err)
	}
	if added, err := ignoreLedger(dir); err != nil {
		return err
	} else if added {
		res.Files = append(res.Files, ".gitignore")
	}
	return f.render(res, func(w io.Writer) {
		for _, p := range res.Files {
			fmt.Fprintf(w, "wrote %s\n", filepath.Join(dir, p))
		}
		fmt.Fprintf(w, "next: bake release debian && bake release hello && bake promote hello@<version> --to dev\n")
	})
}

// ignoreLedger makes sure DIR/.gitignore keeps bake's local state (the
// ledger, the signing key `bake keygen` writes by default) out of git, so
// it never makes the tree dirty.
func ignoreLedger(dir string) (bool, error) {
	path := filepath.Join(dir, ".gitignore")
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if l := strings.TrimSpace(line); l == ".bake/" || l == ".bake" || l == "/.bake/" {
			return false, nil
		}
	}
	if len(data) > 0 && !strings.HasSuffix(string(data), "\n") {
		data = append(data, '\n')
	}
	data = append(data, "# bake's local state: the ledger, the signing key\n.bake/\n"...)
	return true, os.WriteFile(path, data, 0o644)
}
