package builder

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"slices"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/dockerfile"
)

// preparePlain prepares a plain Dockerfile, built as it is: nothing is
// rendered; bake's facts reach it as build arguments instead, each only
// where it declares it.
//
// The build arguments it gets are inputs just as a Dockerfile.tmpl's
// rendered {{ .Version }} is: a Dockerfile that declares ARG BAKE_VERSION
// (or BAKE_GIT_COMMIT) builds anew for every release, since its bytes may
// differ; one that does not declare it is not rebuilt while its context,
// vars and base stay the same.
func (d *Docker) preparePlain(s Spec) (Job, error) {
	path := s.Image.Dockerfile
	if len(s.Image.Secrets) > 0 && d.Builder.Legacy {
		// BuildKit offers every declared secret to RUN --mount=type=secret;
		// the legacy builder has no such mount, and a plain Dockerfile has
		// no {{ secret }}: a secret would silently not arrive.
		return nil, fmt.Errorf("%w: image %q has secrets, which the legacy builder cannot mount into a plain Dockerfile: remove `builder: legacy` from bake.yaml",
			ErrTemplate, s.Image.Name)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %v", ErrTemplate, path, err)
	}
	f, err := dockerfile.Parse(path, src)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTemplate, err)
	}
	args, err := plainBuildArgs(s, f)
	if err != nil {
		return nil, err
	}
	tarball, err := contextTar(s.Image.Context, src)
	if err != nil {
		return nil, err
	}
	return &dockerJob{
		engine: d.Engine, builder: d.Builder, spec: s, dockerfile: src, buildArgs: args,
		inputs: inputsDigest(s, append(argLines(args), tarball...)), template: sha(src),
	}, nil
}

// plainBuildArgs are the build arguments of a plain Dockerfile: bake's own
// (config.BuildArgs) that it declares and that have a value (an ARG's
// default stays when bake has none: no base, no git commit), and the
// image's vars, each of which it must declare.
func plainBuildArgs(s Spec, f dockerfile.File) (map[string]*string, error) {
	own := map[string]string{
		"BAKE_VERSION": s.Version, "BAKE_IMAGE": s.Image.Name,
		"BAKE_GIT_COMMIT": s.GitCommit, "BAKE_BASE": s.BaseRef,
	}
	args := map[string]*string{}
	for _, name := range config.BuildArgs {
		if v := own[name]; v != "" && f.Declares(name) {
			args[name] = &v
		}
	}
	for name, v := range s.Image.Vars {
		if _, ours := own[name]; ours {
			return nil, fmt.Errorf("%w: image %q sets var %q, a build argument bake sets itself", ErrTemplate, s.Image.Name, name)
		}
		if !f.Declares(name) {
			return nil, fmt.Errorf("%w: image %q sets var %q, which %s does not declare (ARG %s)", ErrTemplate, s.Image.Name, name, f.Path, name)
		}
		args[name] = &v
	}
	return args, nil
}

// argLines writes build arguments as sorted NAME=VALUE lines, for the
// inputs digest.
func argLines(args map[string]*string) []byte {
	var b bytes.Buffer
	for _, name := range slices.Sorted(maps.Keys(args)) {
		fmt.Fprintf(&b, "arg %q=%q\n", name, *args[name])
	}
	return b.Bytes()
}
