// Package adopt makes a bake project of a repository that already has a
// Dockerfile: it writes the bake.yaml that builds that Dockerfile as it is,
// with what the Dockerfile itself says (the port it exposes, the URL its
// HEALTHCHECK fetches) and says what it had to assume.
package adopt

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/dockerfile"
)

// ErrInvalid marks a Dockerfile that cannot be adopted: bad input.
var ErrInvalid = errors.New("invalid Dockerfile")

// invalid is a problem with the Dockerfile, said in its own words.
type invalid struct{ msg string }

func (e *invalid) Error() string        { return e.msg }
func (e *invalid) Is(target error) bool { return target == ErrInvalid }

// DefaultPort is the port assumed for a Dockerfile that exposes none.
const DefaultPort = 8080

// Options says what to adopt and into which project.
type Options struct {
	Dir        string // the project directory, where bake.yaml goes
	Dockerfile string // the Dockerfile: absolute, or relative to the working directory
	Project    string // the project's name; also the image's
	Registry   string // where releases are pushed
	Listen     []int  // the front-door ports of dev, qa and prod, on 127.0.0.1
}

// Project is what Plan made of a Dockerfile.
type Project struct {
	Image      string `json:"image"`
	Dockerfile string `json:"dockerfile"` // relative to the project directory
	Context    string `json:"context"`    // relative to the project directory
	Port       int    `json:"port"`
	// PortFrom says where the port comes from: "EXPOSE", or "assumed" when
	// the Dockerfile exposes none.
	PortFrom string `json:"port_from"`
	// HealthPath is the path the http check fetches, expecting 200.
	HealthPath string `json:"health_path"`
	// HealthFrom says where the path comes from: "HEALTHCHECK", or
	// "assumed" when no HEALTHCHECK names a URL on the container.
	HealthFrom string `json:"health_from"`
	// Args are bake's build arguments the Dockerfile declares.
	Args []string `json:"build_args"`
	// Secrets are the secrets its RUN steps mount, which the image
	// declares so that bake offers them to the build.
	Secrets []string `json:"secrets"`
	// Config is the bake.yaml to write.
	Config []byte `json:"-"`
}

// Plan reads the Dockerfile and makes the project's bake.yaml. It writes nothing.
func Plan(o Options) (Project, error) {
	abs, err := filepath.Abs(o.Dockerfile)
	if err != nil {
		return Project{}, err
	}
	if st, err := os.Stat(abs); err != nil || st.IsDir() {
		return Project{}, &invalid{fmt.Sprintf("%s is not a file: name the Dockerfile to build", o.Dockerfile)}
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return Project{}, err
	}
	p := Project{Image: o.Project, Port: DefaultPort, PortFrom: "assumed", HealthPath: "/", HealthFrom: "assumed", Args: []string{}, Secrets: []string{}}
	if p.Dockerfile, err = rel(dir, abs); err != nil {
		return Project{}, err
	}
	if escapes(p.Dockerfile) {
		// bake.yaml may name build inputs inside its own directory only.
		return Project{}, &invalid{fmt.Sprintf("%s is outside the project directory %s, and bake builds only what is inside it: run bake init in a directory that holds the Dockerfile", o.Dockerfile, dir)}
	}
	// A symbolic link inside that leads out is refused as bake.yaml's
	// loading would refuse it, before the file it leads to is read.
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		if realDir, err := filepath.EvalSymlinks(dir); err == nil {
			if r, err := rel(realDir, real); err == nil && escapes(r) {
				return Project{}, &invalid{fmt.Sprintf("%s leads to %s through a symbolic link, outside the project directory %s, and bake builds only what is inside it: name the Dockerfile itself", o.Dockerfile, real, dir)}
			}
		}
	}
	f, err := dockerfile.Read(abs)
	if err != nil {
		return Project{}, &invalid{err.Error()}
	}
	if p.Context, err = rel(dir, buildContext(dir, filepath.Dir(abs), f.Sources)); err != nil {
		return Project{}, err
	}
	if len(f.Ports) > 0 {
		p.Port, p.PortFrom = f.Ports[0], "EXPOSE"
	}
	if f.HealthPath != "" {
		p.HealthPath, p.HealthFrom = f.HealthPath, "HEALTHCHECK"
	}
	for _, a := range config.BuildArgs {
		if f.Declares(a) {
			p.Args = append(p.Args, a)
		}
	}
	if f.BareBaseLine > 0 {
		// A new project has no image of bake's to build on yet.
		return Project{}, &invalid{fmt.Sprintf("%s:%d builds FROM ${BAKE_BASE} with no default, and a new project has no base image to pass: give ARG BAKE_BASE a default (the image it builds on today)", abs, f.BareBaseLine)}
	}
	for _, m := range f.Secrets {
		if !config.IsSecretName(m.ID) {
			return Project{}, &invalid{fmt.Sprintf("%s:%d mounts secret %q, which bake cannot offer: a secret's name is lowercase letters, digits and underscores (it names BAKE_SECRET_<NAME>): rename its id", abs, m.Line, m.ID)}
		}
		p.Secrets = append(p.Secrets, m.ID)
	}
	p.Config, err = render(p, o)
	return p, err
}

// buildContext is where the Dockerfile's COPY and ADD sources are: its own
// directory, as for services/api/Dockerfile built by itself, unless they
// are found only in the project's directory, as for `docker build -f
// build/Dockerfile .`.
func buildContext(projectDir, dockerfileDir string, sources []string) string {
	if len(sources) == 0 || foundAll(dockerfileDir, sources) || !foundAll(projectDir, sources) {
		return dockerfileDir
	}
	return projectDir
}

func foundAll(dir string, paths []string) bool {
	for _, p := range paths {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p))); err != nil {
			return false
		}
	}
	return true
}

// rel is path relative to dir, with forward slashes as bake.yaml has them.
// escapes reports whether a relative path climbs out of its directory.
func escapes(rel string) bool { return rel == ".." || strings.HasPrefix(rel, "../") }

func rel(dir, path string) (string, error) {
	r, err := filepath.Rel(dir, path)
	if err != nil {
		return "", err
	}
	return filepath.ToSlash(r), nil
}
