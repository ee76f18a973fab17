package version

import (
	"context"
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// NextOptions says which image's next version to decide and from what.
type NextOptions struct {
	// Dir is a directory inside the git repository that holds the image.
	Dir string
	// Image is the image name; its release tags are Image/vX.Y.Z.
	Image string
	// Paths limits the commits that count to those touching these paths,
	// relative to Dir; empty means every commit counts.
	Paths []string
	// Bump is the --bump flag: auto (or empty), major, minor or patch.
	Bump string
	// Recorded are the image's versions already in the ledger.
	Recorded []*semver.Version
}

// Decision is the next version of an image and why it was chosen.
type Decision struct {
	// Version is the version the next release gets.
	Version *semver.Version
	// Previous is the highest version tagged or recorded so far, nil if none.
	Previous *semver.Version
	// Bump is the kind of increment applied: major, minor or patch.
	Bump string
	// Reason explains the choice to a person, e.g.
	// "feat: add /metrics (minor) since hello/v1.2.0".
	Reason string
	// Commits is how many commits since the last release tag count for the image.
	Commits int
}

// Next decides the next version of an image. The last version is the highest
// of the image's git tags and the recorded versions; with Bump auto, the
// conventional commits since the last tag decide the increment (breaking ->
// major, feat -> minor, anything else -> patch), and a release with no new
// commits is still a patch. Outside a git repository it bumps the highest
// recorded version instead of failing.
func Next(ctx context.Context, opts NextOptions) (Decision, error) {
	bump, err := ParseBump(opts.Bump)
	if err != nil {
		return Decision{}, fmt.Errorf("deciding the next version of %q: %w", opts.Image, err)
	}
	if err := validateImage(opts.Image); err != nil {
		return Decision{}, fmt.Errorf("deciding the next version: %w", err)
	}
	recorded := Highest(opts.Recorded...)

	h := history{paths: opts.Paths}
	h.inRepo, err = isRepo(ctx, opts.Dir)
	if err != nil {
		return Decision{}, fmt.Errorf("deciding the next version of %q: %w", opts.Image, err)
	}
	if h.inRepo {
		if h.tag, err = latestTag(ctx, opts.Dir, opts.Image); err != nil {
			return Decision{}, fmt.Errorf("deciding the next version of %q: %w", opts.Image, err)
		}
		since := ""
		if h.tag != nil {
			since = h.tag.name
		}
		if h.commits, err = commitsSince(ctx, opts.Dir, since, opts.Paths); err != nil {
			return Decision{}, fmt.Errorf("deciding the next version of %q: %w", opts.Image, err)
		}
	}
	d, err := decide(bump, recorded, h)
	if err != nil {
		return Decision{}, fmt.Errorf("deciding the next version of %q: %w", opts.Image, err)
	}
	return d, nil
}

// history is what git says about an image's releases.
type history struct {
	inRepo  bool
	tag     *imageTag // the latest release tag, nil if none
	commits []commit  // newest first, since tag
	paths   []string  // the paths commits were limited to
}

// decide applies the bump rules to the highest recorded version and the git history.
func decide(bump Bump, recorded *semver.Version, h history) (Decision, error) {
	var tagged *semver.Version
	if h.tag != nil {
		tagged = h.tag.version
	}
	d := Decision{Previous: Highest(tagged, recorded), Commits: len(h.commits)}
	var reason string
	switch {
	case bump != Auto:
		reason = bump.String() + " bump requested " + baseline(h.tag, d.Previous)
	case d.Previous == nil:
		// Minor on 0.0.0: a first release is 0.1.0 whatever the commits say,
		// since 1.0.0 is a promise about stability that history cannot make.
		bump, reason = Minor, "first release"
	case !h.inRepo:
		bump, reason = Patch, "patch "+baseline(h.tag, d.Previous)
	case len(h.commits) == 0:
		bump, reason = Patch, noCommitsReason(h, d.Previous)
	default:
		c := decidingCommit(h.commits)
		bump, reason = c.bump, commitReason(c, len(h.commits))+" "+baseline(h.tag, d.Previous)
	}
	if !h.inRepo {
		reason = "not a git repository; " + reason
	}
	v, err := bump.apply(d.Previous)
	if err != nil {
		return Decision{}, err
	}
	d.Version, d.Bump, d.Reason = v, bump.String(), reason
	return d, nil
}

// decidingCommit returns the newest commit of the highest bump kind; git log
// lists commits newest first.
func decidingCommit(commits []commit) commit {
	top := commits[0]
	for _, c := range commits[1:] {
		if c.bump > top.bump {
			top = c
		}
	}
	return top
}

// baseline describes what the version is bumped from, e.g. "since hello/v1.2.0"
// or "since hello/v1.2.3, from recorded 1.5.0".
func baseline(tag *imageTag, previous *semver.Version) string {
	switch {
	case previous == nil:
		return "from 0.0.0, first release"
	case tag == nil:
		return "from recorded " + previous.String()
	case previous.GreaterThan(tag.version):
		return "since " + tag.name + ", from recorded " + previous.String()
	}
	return "since " + tag.name
}

// commitReason names the commit that decided the bump, e.g. "feat: add /metrics (minor)".
func commitReason(c commit, total int) string {
	subject := c.subject
	if subject == "" {
		subject = "(empty commit message)"
	}
	if total > 1 {
		return fmt.Sprintf("%s (%s, %d commits)", subject, c.bump, total)
	}
	return fmt.Sprintf("%s (%s)", subject, c.bump)
}

// noCommitsReason explains a patch release that nothing in git asked for.
func noCommitsReason(h history, previous *semver.Version) string {
	reason := "no commits"
	if len(h.paths) > 0 {
		reason += " touching " + strings.Join(h.paths, ", ")
	}
	if h.tag != nil {
		reason += " since " + h.tag.name
	} else {
		reason += " in git history"
	}
	reason += "; patch because a release was requested"
	if h.tag == nil || previous.GreaterThan(h.tag.version) {
		reason += ", from recorded " + previous.String()
	}
	return reason
}
