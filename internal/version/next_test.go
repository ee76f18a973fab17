package version

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// released is a repository whose first commit is tagged hello/v1.2.3.
func released(more ...gitStep) []gitStep {
	return append([]gitStep{commitFiles("chore: init"), tagHead("hello/v1.2.3")}, more...)
}

func TestNext(t *testing.T) {
	tests := []struct {
		name         string
		repo         []gitStep
		opts         NextOptions
		want         string
		wantPrevious string
		wantBump     string
		wantCommits  int
		wantReason   string
	}{
		{
			name:        "no tags is a first release",
			repo:        []gitStep{commitFiles("chore: init"), commitFiles("feat!: everything")},
			want:        "0.1.0",
			wantBump:    "minor",
			wantCommits: 2,
			wantReason:  "first release",
		},
		{
			name:       "repository without commits",
			want:       "0.1.0",
			wantBump:   "minor",
			wantReason: "first release",
		},
		{
			name:         "fix is a patch",
			repo:         released(commitFiles("fix: x")),
			want:         "1.2.4",
			wantPrevious: "1.2.3",
			wantBump:     "patch",
			wantCommits:  1,
			wantReason:   "fix: x (patch) since hello/v1.2.3",
		},
		{
			name:         "feat is a minor",
			repo:         released(commitFiles("feat: y")),
			want:         "1.3.0",
			wantPrevious: "1.2.3",
			wantBump:     "minor",
			wantCommits:  1,
			wantReason:   "feat: y (minor) since hello/v1.2.3",
		},
		{
			name:         "bang after scope is a major",
			repo:         released(commitFiles("feat(api)!: z")),
			want:         "2.0.0",
			wantPrevious: "1.2.3",
			wantBump:     "major",
			wantCommits:  1,
			wantReason:   "feat(api)!: z (major) since hello/v1.2.3",
		},
		{
			name:         "breaking change footer is a major",
			repo:         released(commitFiles("fix: port\n\nThe default changes.\n\nBREAKING CHANGE: listen on 8080")),
			want:         "2.0.0",
			wantPrevious: "1.2.3",
			wantBump:     "major",
			wantCommits:  1,
			wantReason:   "fix: port (major) since hello/v1.2.3",
		},
		{
			name:         "breaking-change footer is a major",
			repo:         released(commitFiles("fix: port\n\nBREAKING-CHANGE: listen on 8080")),
			want:         "2.0.0",
			wantPrevious: "1.2.3",
			wantBump:     "major",
			wantCommits:  1,
			wantReason:   "fix: port (major) since hello/v1.2.3",
		},
		{
			name:         "non-conventional message is a patch",
			repo:         released(commitFiles("update things")),
			want:         "1.2.4",
			wantPrevious: "1.2.3",
			wantBump:     "patch",
			wantCommits:  1,
			wantReason:   "update things (patch) since hello/v1.2.3",
		},
		{
			name:         "highest bump wins and the newest such commit explains it",
			repo:         released(commitFiles("feat: first"), commitFiles("fix: a"), commitFiles("feat: second"), commitFiles("docs: b")),
			want:         "1.3.0",
			wantPrevious: "1.2.3",
			wantBump:     "minor",
			wantCommits:  4,
			wantReason:   "feat: second (minor, 4 commits) since hello/v1.2.3",
		},
		{
			name: "tags of other images are ignored",
			repo: released(
				tagHead("web/v9.0.0"), tagHead("hello-web/v8.0.0"), tagHead("hello/vnext"), tagHead("hello/1.9.0"),
				commitFiles("fix: x"),
			),
			want:         "1.2.4",
			wantPrevious: "1.2.3",
			wantBump:     "patch",
			wantCommits:  1,
			wantReason:   "fix: x (patch) since hello/v1.2.3",
		},
		{
			name: "highest tag by precedence is the baseline",
			repo: []gitStep{
				commitFiles("chore: init"), tagHead("hello/v1.10.0"),
				commitFiles("feat: later"), tagHead("hello/v1.9.0"),
				commitFiles("fix: x"),
			},
			want:         "1.11.0",
			wantPrevious: "1.10.0",
			wantBump:     "minor",
			wantCommits:  2,
			wantReason:   "feat: later (minor, 2 commits) since hello/v1.10.0",
		},
		{
			name: "commits are counted from the latest tag only",
			repo: []gitStep{
				commitFiles("chore: init"), tagHead("hello/v1.0.0"),
				commitFiles("feat!: old"), tagHead("hello/v2.0.0"),
				commitFiles("fix: x"),
			},
			want:         "2.0.1",
			wantPrevious: "2.0.0",
			wantBump:     "patch",
			wantCommits:  1,
			wantReason:   "fix: x (patch) since hello/v2.0.0",
		},
		{
			name: "paths filter ignores commits elsewhere",
			repo: released(
				commitFiles("feat: web only", "images/web/Dockerfile"),
				commitFiles("fix: hello", "images/hello/Dockerfile"),
			),
			opts:         NextOptions{Paths: []string{"images/hello"}},
			want:         "1.2.4",
			wantPrevious: "1.2.3",
			wantBump:     "patch",
			wantCommits:  1,
			wantReason:   "fix: hello (patch) since hello/v1.2.3",
		},
		{
			name:         "paths filter counts commits touching any of the paths",
			repo:         released(commitFiles("feat: template", "templates/docker/Dockerfile.tmpl", "images/web/x")),
			opts:         NextOptions{Paths: []string{"images/hello", "templates/docker"}},
			want:         "1.3.0",
			wantPrevious: "1.2.3",
			wantBump:     "minor",
			wantCommits:  1,
			wantReason:   "feat: template (minor) since hello/v1.2.3",
		},
		{
			name:         "paths filter with nothing touched is still a patch",
			repo:         released(commitFiles("feat!: web only", "images/web/Dockerfile")),
			opts:         NextOptions{Paths: []string{"images/hello"}},
			want:         "1.2.4",
			wantPrevious: "1.2.3",
			wantBump:     "patch",
			wantReason:   "no commits touching images/hello since hello/v1.2.3; patch because a release was requested",
		},
		{
			name:         "paths filter with nothing touched and only a recorded version",
			repo:         []gitStep{commitFiles("feat: web", "images/web/Dockerfile")},
			opts:         NextOptions{Paths: []string{"images/hello"}, Recorded: vs("0.3.0")},
			want:         "0.3.1",
			wantPrevious: "0.3.0",
			wantBump:     "patch",
			wantReason:   "no commits touching images/hello in git history; patch because a release was requested, from recorded 0.3.0",
		},
		{
			name:         "no commits since a tag below the recorded version",
			repo:         released(),
			opts:         NextOptions{Recorded: vs("1.5.0")},
			want:         "1.5.1",
			wantPrevious: "1.5.0",
			wantBump:     "patch",
			wantReason:   "no commits since hello/v1.2.3; patch because a release was requested, from recorded 1.5.0",
		},
		{
			name:         "no commits since the tag is a patch",
			repo:         released(),
			want:         "1.2.4",
			wantPrevious: "1.2.3",
			wantBump:     "patch",
			wantReason:   "no commits since hello/v1.2.3; patch because a release was requested",
		},
		{
			name:         "recorded version above the tag is the baseline",
			repo:         released(commitFiles("feat: y")),
			opts:         NextOptions{Recorded: vs("1.4.0", "1.5.0", "1.0.0")},
			want:         "1.6.0",
			wantPrevious: "1.5.0",
			wantBump:     "minor",
			wantCommits:  1,
			wantReason:   "feat: y (minor) since hello/v1.2.3, from recorded 1.5.0",
		},
		{
			name:         "recorded version below the tag is ignored",
			repo:         released(commitFiles("fix: x")),
			opts:         NextOptions{Recorded: vs("1.0.0")},
			want:         "1.2.4",
			wantPrevious: "1.2.3",
			wantBump:     "patch",
			wantCommits:  1,
			wantReason:   "fix: x (patch) since hello/v1.2.3",
		},
		{
			name:         "recorded version without tags counts all history",
			repo:         []gitStep{commitFiles("chore: init"), commitFiles("feat: y")},
			opts:         NextOptions{Recorded: vs("1.5.0")},
			want:         "1.6.0",
			wantPrevious: "1.5.0",
			wantBump:     "minor",
			wantCommits:  2,
			wantReason:   "feat: y (minor, 2 commits) from recorded 1.5.0",
		},
		{
			name:         "explicit major",
			repo:         released(commitFiles("fix: x")),
			opts:         NextOptions{Bump: "major"},
			want:         "2.0.0",
			wantPrevious: "1.2.3",
			wantBump:     "major",
			wantCommits:  1,
			wantReason:   "major bump requested since hello/v1.2.3",
		},
		{
			name:         "explicit minor",
			repo:         released(commitFiles("fix: x")),
			opts:         NextOptions{Bump: "minor"},
			want:         "1.3.0",
			wantPrevious: "1.2.3",
			wantBump:     "minor",
			wantCommits:  1,
			wantReason:   "minor bump requested since hello/v1.2.3",
		},
		{
			name:         "explicit patch overrides a breaking commit",
			repo:         released(commitFiles("feat!: z")),
			opts:         NextOptions{Bump: "patch"},
			want:         "1.2.4",
			wantPrevious: "1.2.3",
			wantBump:     "patch",
			wantCommits:  1,
			wantReason:   "patch bump requested since hello/v1.2.3",
		},
		{
			name:        "explicit major without a previous version",
			repo:        []gitStep{commitFiles("chore: init")},
			opts:        NextOptions{Bump: "major"},
			want:        "1.0.0",
			wantBump:    "major",
			wantCommits: 1,
			wantReason:  "major bump requested from 0.0.0, first release",
		},
		{
			name:        "explicit patch without a previous version",
			repo:        []gitStep{commitFiles("chore: init")},
			opts:        NextOptions{Bump: "patch"},
			want:        "0.0.1",
			wantBump:    "patch",
			wantCommits: 1,
			wantReason:  "patch bump requested from 0.0.0, first release",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.Dir = newRepo(t, tt.repo...)
			opts.Image = "hello"

			got, err := Next(t.Context(), opts)
			require.NoError(t, err)
			assertDecision(t, got, tt.want, tt.wantPrevious)
			assert.Equal(t, tt.wantBump, got.Bump)
			assert.Equal(t, tt.wantCommits, got.Commits)
			assert.Equal(t, tt.wantReason, got.Reason)
		})
	}
}

func TestNextSubdirectory(t *testing.T) {
	dir := newRepo(t, released(commitFiles("feat: y", "images/hello/Dockerfile"), commitFiles("fix: web", "images/web/Dockerfile"))...)

	got, err := Next(t.Context(), NextOptions{Dir: dir + "/images/hello", Image: "hello", Paths: []string{"."}})
	require.NoError(t, err)
	assertDecision(t, got, "1.3.0", "1.2.3")
	assert.Equal(t, 1, got.Commits)
}

func TestNextNotGitRepo(t *testing.T) {
	tests := []struct {
		name         string
		opts         NextOptions
		want         string
		wantPrevious string
		wantReason   string
	}{
		{
			name:       "nothing recorded",
			want:       "0.1.0",
			wantReason: "not a git repository; first release",
		},
		{
			name:         "patch of the highest recorded",
			opts:         NextOptions{Recorded: vs("1.2.0", "1.5.0")},
			want:         "1.5.1",
			wantPrevious: "1.5.0",
			wantReason:   "not a git repository; patch from recorded 1.5.0",
		},
		{
			name:         "explicit bump still applies",
			opts:         NextOptions{Bump: "major", Recorded: vs("1.5.0")},
			want:         "2.0.0",
			wantPrevious: "1.5.0",
			wantReason:   "not a git repository; major bump requested from recorded 1.5.0",
		},
		{
			name:       "explicit bump without a previous version",
			opts:       NextOptions{Bump: "minor", Paths: []string{"images/hello"}},
			want:       "0.1.0",
			wantReason: "not a git repository; minor bump requested from 0.0.0, first release",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.Dir = notRepoDir(t)
			opts.Image = "hello"

			got, err := Next(t.Context(), opts)
			require.NoError(t, err)
			assertDecision(t, got, tt.want, tt.wantPrevious)
			assert.Zero(t, got.Commits)
			assert.Equal(t, tt.wantReason, got.Reason)
		})
	}
}

func TestNextInvalidInput(t *testing.T) {
	dir := newRepo(t, released()...)
	tests := []struct {
		name    string
		opts    NextOptions
		wantErr string
	}{
		{name: "unknown bump", opts: NextOptions{Dir: dir, Image: "hello", Bump: "huge"}, wantErr: `bump "huge" is not auto|major|minor|patch`},
		{name: "empty image", opts: NextOptions{Dir: dir}, wantErr: "image name is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Next(t.Context(), tt.opts)
			assert.ErrorIs(t, err, ErrInvalid)
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}
}

func assertDecision(t *testing.T, got Decision, want, wantPrevious string) {
	t.Helper()
	require.NotNil(t, got.Version)
	assert.Equal(t, want, got.Version.String(), "version; reason: %s", got.Reason)
	if wantPrevious == "" {
		assert.Nil(t, got.Previous)
		return
	}
	require.NotNil(t, got.Previous)
	assert.Equal(t, wantPrevious, got.Previous.String())
}
