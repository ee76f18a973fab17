package sandbox

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bakehq/bake/internal/ledger"
)

// userChecks compare the user the image runs as, from its config, with
// what each user check asks.
func (r *run) userChecks(ctx context.Context) error {
	var user string
	read := false
	for _, c := range r.subject.Image.Checks {
		if c.User == nil {
			continue
		}
		start := time.Now()
		if !read {
			insp, err := r.sandbox.Engine.ImageInspect(ctx, r.subject.Ref)
			if err != nil {
				return fmt.Errorf("reading the config of %s: %w", r.subject.Ref, err)
			}
			if insp.Config != nil {
				user = insp.Config.User
			}
			read = true
		}
		shown := user
		if shown == "" {
			shown = "unset (root)"
		}
		res := ledger.CheckResult{Name: c.Name, Kind: "user", Passed: true, Detail: "runs as " + shown}
		switch {
		case c.User.NotRoot && isRoot(user):
			res.Passed, res.Detail = false, fmt.Sprintf("expected a user other than root, got %s", shown)
		case c.User.Name != "" && user != c.User.Name:
			res.Passed, res.Detail = false, fmt.Sprintf("expected user %q, got %s", c.User.Name, shown)
		}
		res.Duration = time.Since(start)
		r.record(res)
	}
	return nil
}

// isRoot reports whether an image's USER runs processes as root: unset,
// root or uid 0, with any group.
func isRoot(user string) bool {
	name, _, _ := strings.Cut(user, ":")
	return name == "" || name == "root" || name == "0"
}
