// Package builder turns an image definition into an image in the Docker
// engine and publishes it to the registry by digest.
package builder

import (
	"context"
	"errors"
	"io"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/secret"
)

// ErrTemplate marks a template that cannot be rendered: bad input, not a failed build.
var ErrTemplate = errors.New("template error")

// Version is the builder's own version; it is part of every inputs digest so
// a change in how bake builds invalidates earlier builds.
const Version = "bake-builder/1"

// Spec is everything a build needs.
type Spec struct {
	Project     string
	Registry    string
	Image       *config.Image
	Version     string
	GitCommit   string
	GitDirty    bool   // the tree had uncommitted changes
	User        string // who runs the build (not set for reproducible base images)
	Source      string // where the definition comes from (git remote or directory)
	BaseRef     string // registry reference by digest of the base release ("" if none)
	OperationID string
	Progress    io.Writer // build output for people; may be nil
	NoCache     bool      // build every step again (`--force`)
	// Secrets are the values of the image's secrets, by name: they reach the
	// build only (never the inputs digest, a label or a log line).
	Secrets secret.Values
}

// redactor hides the spec's secret values from what the build prints and
// from its errors.
func (s Spec) redactor() *secret.Redactor { return secret.NewRedactor(s.Secrets.List()...) }

// Repository is the registry repository of an image: REGISTRY/PROJECT/IMAGE.
func (s Spec) Repository() string {
	return s.Registry + "/" + s.Project + "/" + s.Image.Name
}

// Tag is the mutable tag the build is pushed under; releases are referred to by digest.
func (s Spec) Tag() string {
	return s.Repository() + ":" + s.Version
}

// Built is an image in the local engine, not yet published, or the AMIs of an AMI build.
type Built struct {
	ImageID        string // engine image id (config digest)
	Tag            string
	InputsDigest   string
	TemplateDigest string // sha256 of the rendered template
	Builder        string // docker, rootfs or packer
	// AMIs maps region to AMI id for a build that made AMIs; ImageID and Tag are empty then.
	AMIs map[string]string
	// Index is the index of a multi-platform build, to publish once every
	// platform is validated, and Platforms its images, each in the engine;
	// ImageID is empty then. The caller removes Index.
	Index     *Index
	Platforms []PlatformImage
}

// Job is a build whose template is rendered and whose inputs are hashed,
// but which has not run: template errors surface before anything starts.
type Job interface {
	InputsDigest() string
	Run(ctx context.Context) (Built, error)
}
