package version

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// imageTag is a release tag of an image found in the repository.
type imageTag struct {
	name    string
	version *semver.Version
}

// latestTag returns the image's tag IMAGE/vX.Y.Z with the highest version, or
// nil when there is none. Tags of other images and tags after the prefix that
// are not strict semver are ignored.
func latestTag(ctx context.Context, dir, image string) (*imageTag, error) {
	// A trailing slash makes git match whole path components: "hello/" never
	// matches "hello-web/v1.0.0".
	out, err := git(ctx, dir, "for-each-ref", "--format=%(refname)", "refs/tags/"+image+"/")
	if err != nil {
		return nil, fmt.Errorf("listing tags of %q in %q: %w", image, dir, err)
	}
	prefix := "refs/tags/" + tagPrefix(image)
	var latest *imageTag
	for _, ref := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(ref), prefix)
		if !ok {
			continue
		}
		v, err := Parse(rest)
		if err != nil {
			continue
		}
		if latest == nil || v.GreaterThan(latest.version) {
			latest = &imageTag{name: strings.TrimPrefix(strings.TrimSpace(ref), "refs/tags/"), version: v}
		}
	}
	return latest, nil
}

// Tag creates the annotated tag IMAGE/vX.Y.Z with the message "IMAGE X.Y.Z" on
// commit, or on HEAD when commit is empty. When git has no identity configured,
// as on many CI runners, the tagger is bake <bake@localhost>.
func Tag(ctx context.Context, dir, image string, v *semver.Version, commit string) error {
	if err := validateImage(image); err != nil {
		return fmt.Errorf("tagging a release: %w", err)
	}
	if v == nil {
		return fmt.Errorf("tagging %q: %w", image, invalidError{errors.New("no version given")})
	}
	name := TagName(image, v)
	repo, err := isRepo(ctx, dir)
	if err != nil {
		return fmt.Errorf("tagging %q: %w", name, err)
	}
	if !repo {
		return fmt.Errorf("tagging %q in %q: %w", name, dir, ErrNotGitRepo)
	}
	if commit == "" {
		commit = "HEAD"
	}
	if strings.HasPrefix(commit, "-") {
		return fmt.Errorf("tagging %q: commit %q: %w", name, commit, invalidError{errors.New("not a revision")})
	}
	sha, err := resolveCommit(ctx, dir, commit)
	if err != nil {
		return fmt.Errorf("tagging %q: %w", name, err)
	}
	if sha == "" {
		return fmt.Errorf("tagging %q: commit %q not found in %q", name, commit, dir)
	}
	existing, err := resolveCommit(ctx, dir, "refs/tags/"+name)
	if err != nil {
		return fmt.Errorf("tagging %q: %w", name, err)
	}
	if existing != "" {
		return fmt.Errorf("tagging %q: it already points at %s: %w", name, short(existing), ErrTagExists)
	}

	args, err := identityArgs(ctx, dir)
	if err != nil {
		return fmt.Errorf("tagging %q: %w", name, err)
	}
	args = append(args, "tag", "--annotate", "--message", image+" "+v.String(), name, sha)
	if _, err := git(ctx, dir, args...); err != nil {
		var gerr *gitError
		if errors.As(err, &gerr) && strings.Contains(gerr.stderr, "already exists") {
			return fmt.Errorf("tagging %q: %w", name, ErrTagExists)
		}
		return fmt.Errorf("tagging %q on %s: %w", name, short(sha), err)
	}
	return nil
}

// identityArgs returns -c options that supply the parts of the git identity
// that are not configured, so tagging works on a bare CI runner while a
// developer's own identity is kept.
func identityArgs(ctx context.Context, dir string) ([]string, error) {
	var args []string
	for _, kv := range [][2]string{{"user.name", "bake"}, {"user.email", "bake@localhost"}} {
		set, err := configured(ctx, dir, kv[0])
		if err != nil {
			return nil, err
		}
		if !set {
			args = append(args, "-c", kv[0]+"="+kv[1])
		}
	}
	return args, nil
}

// configured reports whether git config key has a non-empty value.
func configured(ctx context.Context, dir, key string) (bool, error) {
	out, err := git(ctx, dir, "config", "--get", key)
	if err != nil {
		var gerr *gitError
		// Exit status 1 with nothing on stderr means the key is not set.
		if errors.As(err, &gerr) && gerr.stderr == "" {
			return false, nil
		}
		return false, fmt.Errorf("reading git config %s: %w", key, err)
	}
	return strings.TrimSpace(out) != "", nil
}

// short abbreviates a commit sha for messages.
func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
