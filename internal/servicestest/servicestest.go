// Package servicestest finds the state directory of scripts/services.sh,
// where the services that tests use keep their certificates and credentials.
package servicestest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/bakehq/bake/internal/secret"
)

// StateDir is scripts/services.sh's state directory: BAKE_SERVICES_DIR,
// else .services at the module's root or, when that holds no marker (a file
// or directory of the service asked about) and the module is a linked git
// worktree, the main checkout's: the worktrees of one repository share the
// services one of them started.
func StateDir(marker string) (string, error) {
	if dir := os.Getenv("BAKE_SERVICES_DIR"); dir != "" {
		return filepath.Abs(dir)
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return checkoutStateDir(dir, marker), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

func checkoutStateDir(root, marker string) string {
	own := filepath.Join(root, ".services")
	if _, err := os.Stat(filepath.Join(own, marker)); err == nil {
		return own
	}
	cmd := exec.Command("git", "rev-parse", "--path-format=absolute", "--git-common-dir")
	cmd.Dir = root
	cmd.Env = secret.ChildEnv(os.Environ())
	out, err := cmd.Output()
	if err != nil {
		return own
	}
	return filepath.Join(filepath.Dir(strings.TrimSpace(string(out))), ".services")
}
