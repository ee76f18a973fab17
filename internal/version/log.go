package version

import (
	"context"
	"fmt"
	"strings"
)

// commitsSince returns the commits reachable from HEAD but not from since
// (all of HEAD's history when since is empty), newest first, limited to those
// touching paths when paths is not empty. A repository without commits has none.
func commitsSince(ctx context.Context, dir, since string, paths []string) ([]commit, error) {
	head, err := resolveCommit(ctx, dir, "HEAD")
	if err != nil || head == "" {
		return nil, err
	}
	rng := head
	if since != "" {
		rng = "refs/tags/" + since + ".." + head
	}
	// -z ends every commit with NUL, which no commit message can contain; the
	// sha keeps commits with empty messages from vanishing.
	args := append([]string{"log", "-z", "--format=%H%n%B", rng, "--"}, paths...)
	out, err := git(ctx, dir, args...)
	if err != nil {
		return nil, fmt.Errorf("reading commits since %q in %q: %w", since, dir, err)
	}
	var commits []commit
	for _, record := range strings.Split(out, "\x00") {
		if strings.TrimSpace(record) == "" {
			continue
		}
		_, message, _ := strings.Cut(strings.TrimLeft(record, "\n"), "\n")
		commits = append(commits, parseCommit(message))
	}
	return commits, nil
}
