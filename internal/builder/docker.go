package builder

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/dockerfile"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/secret"
)

// DockerfileTemplate is the file a Docker template directory holds.
const DockerfileTemplate = "Dockerfile.tmpl"

// Docker builds a Dockerfile template, or a plain Dockerfile, with
// BuildKit: the engine's own, or the buildkitd Builder names.
// Builder.Legacy builds with the engine's legacy builder instead, which
// cannot mount secrets or caches.
type Docker struct {
	Engine  *client.Client
	Builder config.Builder
}

// Prepare renders the template and packs the build context. A use of
// {{ secret "NAME" }} renders as a placeholder here, so the inputs digest
// and the template digest are those of the template, not of a secret's
// value.
func (d *Docker) Prepare(s Spec) (Job, error) {
	if len(s.Image.Platforms) > 0 && (buildKit{conf: d.Builder}).address() == "" {
		e := s.Image.PlatformsAt
		e.Msg = "the Docker engine's BuildKit builds for its own platform only: build several into one index with a buildkitd, named by builder.address in bake.yaml or BUILDKIT_HOST"
		return nil, &e
	}
	if s.Image.Dockerfile != "" {
		return d.preparePlain(s)
	}
	dockerfile, err := render(s, DockerfileTemplate, secretPlaceholder)
	if err != nil {
		return nil, err
	}
	if d.Builder.Legacy && secretUse.Match(dockerfile) {
		return nil, fmt.Errorf("%w: image %q uses a secret, which the legacy builder cannot mount: remove `builder: legacy` from bake.yaml", ErrTemplate, s.Image.Name)
	}
	// A secret where no RUN step can mount it is bad input, found now
	// rather than once the build has started.
	if _, err := mountSecrets(dockerfile); err != nil {
		return nil, err
	}
	if err := checkMounted(s, dockerfile); err != nil {
		return nil, err
	}
	tarball, err := contextTar(s.Image.Context, dockerfile)
	if err != nil {
		return nil, err
	}
	return &dockerJob{engine: d.Engine, builder: d.Builder, spec: s, dockerfile: dockerfile, inputs: inputsDigest(s, tarball), template: sha(dockerfile)}, nil
}

type dockerJob struct {
	engine     *client.Client
	builder    config.Builder
	spec       Spec
	dockerfile []byte
	buildArgs  map[string]*string // a plain Dockerfile's; none for a template
	inputs     string
	template   string
}

func (j *dockerJob) InputsDigest() string { return j.inputs }

// Run builds the image. Build output and errors pass through a redactor:
// a step that prints a secret's value prints [secret] instead.
func (j *dockerJob) Run(ctx context.Context) (Built, error) {
	red := j.spec.redactor()
	built, err := j.run(ctx, red)
	return built, red.Error(err)
}

func (j *dockerJob) run(ctx context.Context, red *secret.Redactor) (Built, error) {
	s := j.spec
	bk := buildKit{engine: j.engine, conf: j.builder}
	built := Built{Tag: s.Tag(), InputsDigest: j.inputs, TemplateDigest: j.template, Builder: bk.provenance()}
	var progress io.Writer
	if s.Progress != nil {
		w := secret.NewWriter(s.Progress, red)
		defer w.Flush()
		progress = w
	}
	labels := imageLabels(s, built, time.Now())
	// A build in the engine uses the base release from the engine's own
	// images: pulled first, with bake's credentials for its registry.
	if s.BaseRef != "" && (j.builder.Legacy || bk.address() == "") {
		if err := engine.EnsureImage(ctx, j.engine, s.BaseRef); err != nil {
			return Built{}, fmt.Errorf("building %s: %w", built.Tag, err)
		}
	}
	if j.builder.Legacy {
		id, err := j.runLegacy(ctx, built.Tag, labels, progress)
		built.ImageID = id
		return built, err
	}
	b := buildKitBuild{
		dockerfile: j.dockerfile, context: s.Image.Context, tag: built.Tag,
		buildArgs: j.buildArgs, labels: labels, secrets: s.Secrets, progress: progress, noCache: s.NoCache,
	}
	if len(s.Image.Platforms) > 0 {
		var err error
		if built.Index, built.Platforms, err = bk.buildIndex(ctx, b, s.Image.Platforms); err != nil {
			return Built{}, fmt.Errorf("building %s for %s with %s: %w", built.Tag, strings.Join(s.Image.Platforms, ", "), bk.where(), err)
		}
		return built, nil
	}
	id, err := bk.build(ctx, b)
	if err != nil {
		return Built{}, fmt.Errorf("building %s with %s: %w", built.Tag, bk.where(), err)
	}
	built.ImageID = id
	return built, nil
}

// runLegacy builds with the engine's legacy builder, which Prepare allowed
// only for a template without secrets.
func (j *dockerJob) runLegacy(ctx context.Context, tag string, labels map[string]string, progress io.Writer) (string, error) {
	// The labels go in as one last instruction (one build step, where the
	// API's labels cost one step each); they are not inputs.
	dockerfile := append(append([]byte{}, j.dockerfile...), labelInstruction(labels)...)
	tarball, err := contextTar(j.spec.Image.Context, dockerfile)
	if err != nil {
		return "", err
	}
	res, err := j.engine.ImageBuild(ctx, bytes.NewReader(tarball), client.ImageBuildOptions{
		Tags:        []string{tag},
		Dockerfile:  dockerfileName,
		Remove:      true,
		ForceRemove: true, // no intermediate container survives a failed step
		Version:     build.BuilderV1,
		NoCache:     j.spec.NoCache,
		BuildArgs:   j.buildArgs,
	})
	if err != nil {
		return "", fmt.Errorf("building %s: %w", tag, err)
	}
	defer res.Body.Close()
	var id string
	err = engine.ReadStream(res.Body, progress, func(aux json.RawMessage) {
		var v struct{ ID string }
		if json.Unmarshal(aux, &v) == nil && v.ID != "" {
			id = v.ID
		}
	})
	if err != nil {
		return "", fmt.Errorf("building %s: %w", tag, err)
	}
	if id == "" {
		insp, err := j.engine.ImageInspect(ctx, tag)
		if err != nil {
			return "", fmt.Errorf("building %s: the engine reported no image: %w", tag, err)
		}
		id = insp.ID
	}
	return id, nil
}

// imageLabels are the OCI annotations and bake's own labels every image carries.
// The same facts go into the ledger's provenance of the release.
func imageLabels(s Spec, b Built, created time.Time) map[string]string {
	l := map[string]string{
		"org.opencontainers.image.title":   s.Image.Name,
		"org.opencontainers.image.version": s.Version,
		"org.opencontainers.image.created": created.UTC().Format(time.RFC3339),
		engine.LabelProject:                s.Project,
		engine.LabelImage:                  s.Image.Name,
		engine.LabelVersion:                s.Version,
		"dev.bake.inputs-digest":           b.InputsDigest,
		"dev.bake.template-digest":         b.TemplateDigest,
		"dev.bake.builder":                 b.Builder + " " + Version,
	}
	if s.GitDirty {
		l["dev.bake.git-dirty"] = "true"
	}
	if s.User != "" {
		l["dev.bake.built-by"] = s.User
	}
	if s.GitCommit != "" {
		l["org.opencontainers.image.revision"] = s.GitCommit
	}
	if s.Source != "" {
		l["org.opencontainers.image.source"] = s.Source
	}
	if s.BaseRef != "" {
		l["org.opencontainers.image.base.name"] = s.BaseRef
	}
	return l
}

// labelInstruction is a LABEL line setting every label, in sorted order.
func labelInstruction(labels map[string]string) []byte {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	b.WriteString("\nLABEL")
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%s", k, strconv.Quote(labels[k]))
	}
	b.WriteString("\n")
	return b.Bytes()
}

// checkMounted refuses a template whose own RUN --mount=type=secret names
// a secret the image does not declare: bake offers a build only declared
// secrets, so the step would run without it; and one that ADDs a URL (see
// dockerfile.ErrRemoteSource). (What does not parse is left to BuildKit,
// which says where.)
func checkMounted(s Spec, rendered []byte) error {
	f, err := dockerfile.Parse(filepath.Join(s.Image.Template, DockerfileTemplate), rendered)
	if errors.Is(err, dockerfile.ErrRemoteSource) {
		return fmt.Errorf("%w: %w", ErrTemplate, err)
	}
	if err != nil {
		return nil
	}
	for _, m := range f.Secrets {
		if !slices.Contains(s.Image.Secrets, m.ID) {
			return fmt.Errorf("%w: %s: a RUN step mounts secret %q, which is not declared: add it to the secrets of image %q",
				ErrTemplate, f.Path, m.ID, s.Image.Name)
		}
	}
	return nil
}
