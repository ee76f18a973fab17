package version

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/bakehq/bake/internal/secret"
)

// gitError is a failed git command with what it printed on stderr.
type gitError struct {
	args   []string
	stderr string
	err    error
}

func (e *gitError) Error() string {
	msg := "git " + strings.Join(e.args, " ") + ": " + e.err.Error()
	if e.stderr != "" {
		msg += ": " + e.stderr
	}
	return msg
}

func (e *gitError) Unwrap() error { return e.err }

// git runs the git binary in dir and returns its standard output.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	// Stable English messages: notGitRepo and tag-exists detection read stderr.
	cmd.Env = append(secret.ChildEnv(os.Environ()), "LC_ALL=C", "GIT_TERMINAL_PROMPT=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), &gitError{args: args, stderr: strings.TrimSpace(stderr.String()), err: err}
	}
	return stdout.String(), nil
}

// isRepo reports whether dir is inside a git work tree. A missing git binary
// counts as "not a repository"; any other failure is an error.
func isRepo(ctx context.Context, dir string) (bool, error) {
	out, err := git(ctx, dir, "rev-parse", "--is-inside-work-tree")
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return false, nil
		}
		var gerr *gitError
		if errors.As(err, &gerr) && strings.Contains(gerr.stderr, "not a git repository") {
			return false, nil
		}
		return false, fmt.Errorf("checking whether %q is a git repository: %w", dir, err)
	}
	return strings.TrimSpace(out) == "true", nil
}

// resolveCommit returns the sha of rev, or "" when rev does not name a commit
// (HEAD in a repository without commits yet).
func resolveCommit(ctx context.Context, dir, rev string) (string, error) {
	out, err := git(ctx, dir, "rev-parse", "--verify", "--quiet", rev+"^{commit}")
	if err != nil {
		var gerr *gitError
		var exit *exec.ExitError
		if errors.As(err, &gerr) && gerr.stderr == "" && errors.As(err, &exit) && exit.ExitCode() == 1 {
			return "", nil
		}
		return "", fmt.Errorf("resolving %q in %q: %w", rev, dir, err)
	}
	return strings.TrimSpace(out), nil
}

// GitCommit returns the sha of HEAD in dir and whether the work tree has
// uncommitted or untracked changes, other than in dir/.bake: bake writes
// its local state there itself (`bake init` keeps it out of git). Outside a git repository, or without git,
// it returns ("", false, nil): the commit is informational for a release.
func GitCommit(ctx context.Context, dir string) (commit string, dirty bool, err error) {
	repo, err := isRepo(ctx, dir)
	if err != nil || !repo {
		return "", false, err
	}
	commit, err = resolveCommit(ctx, dir, "HEAD")
	if err != nil {
		return "", false, err
	}
	status, err := git(ctx, dir, "status", "--porcelain", "--", ":(exclude).bake")
	if err != nil {
		return "", false, fmt.Errorf("reading git status of %q: %w", dir, err)
	}
	return commit, strings.TrimSpace(status) != "", nil
}
