package version

import "errors"

var (
	// ErrInvalid is wrapped by every error caused by bad user input: a version
	// that is not X.Y.Z semver, an unknown bump kind, an empty image name.
	ErrInvalid = errors.New("invalid version")

	// ErrTagExists is returned by Tag when the release tag is already in the repository.
	ErrTagExists = errors.New("tag already exists")

	// ErrNotGitRepo is returned by Tag when the directory is not inside a git work tree.
	ErrNotGitRepo = errors.New("not a git repository")
)

// invalidError marks its cause as ErrInvalid without repeating ErrInvalid's text,
// so messages read "version "1.2" is not X.Y.Z semver: give three numbers such as 1.2.0, ...".
type invalidError struct{ cause error }

func (e invalidError) Error() string { return e.cause.Error() }

func (e invalidError) Unwrap() error { return e.cause }

func (e invalidError) Is(target error) bool { return target == ErrInvalid }
