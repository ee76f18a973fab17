package builder

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"

	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/secret"
)

// DockerfileTemplate is the file a Docker template directory holds.
const DockerfileTemplate = "Dockerfile.tmpl"

// Docker builds a Dockerfile template, or a plain Dockerfile, through the Engine API.
type Docker struct {
	Engine *client.Client
}

// Prepare renders the template and packs the build context. A use of
// {{ secret "NAME" }} renders as a placeholder here, so the inputs digest
// and the template digest are those of the template, not of a secret's
// value or of the URL one build fetches it from.
func (d *Docker) Prepare(s Spec) (Job, error) {
	if s.Image.Dockerfile != "" {
		return d.preparePlain(s)
	}
	dockerfile, err := render(s, DockerfileTemplate, secretPlaceholder)
	if err != nil {
		return nil, err
	}
	tarball, err := contextTar(s.Image.Context, dockerfile)
	if err != nil {
		return nil, err
	}
	return &dockerJob{engine: d.Engine, spec: s, dockerfile: dockerfile, inputs: inputsDigest(s, tarball), template: sha(dockerfile)}, nil
}

type dockerJob struct {
	engine     *client.Client
	spec       Spec
	dockerfile []byte
	buildArgs  map[string]*string // a plain Dockerfile's; none for a template
	inputs     string
	template   string
}

func (j *dockerJob) InputsDigest() string { return j.inputs }

// Run builds the image through the Engine API. A template that uses
// secrets gets them from a secretServer that lives as long as the build.
func (j *dockerJob) Run(ctx context.Context) (Built, error) {
	red := j.spec.redactor()
	built, err := j.run(ctx, red)
	return built, red.Error(err)
}

func (j *dockerJob) run(ctx context.Context, red *secret.Redactor) (Built, error) {
	s, d := j.spec, j
	built := Built{Tag: s.Tag(), InputsDigest: j.inputs, TemplateDigest: j.template, Builder: "docker"}
	dockerfile, network := j.dockerfile, ""
	var secrets *secretServer
	if len(s.Secrets) > 0 && secretUse.Match(j.dockerfile) {
		srv, err := startSecretServer(s.Secrets)
		if err != nil {
			return Built{}, err
		}
		secrets = srv
		defer func() {
			if secrets != nil {
				secrets.close()
			}
		}()
		if dockerfile, err = liveSecrets(j.dockerfile, s.Secrets, srv); err != nil {
			return Built{}, err
		}
		// RUN steps must reach the server on the host's 127.0.0.1.
		network = "host"
		if !srv.used() {
			dockerfile, network = j.dockerfile, ""
		}
	}
	// The labels go in as one last instruction (one build step, where the
	// API's labels cost one step each); they are not inputs.
	dockerfile = append(append([]byte{}, dockerfile...), labelInstruction(imageLabels(s, built, time.Now()))...)
	tarball, err := contextTar(s.Image.Context, dockerfile)
	if err != nil {
		return Built{}, err
	}
	res, err := d.engine.ImageBuild(ctx, bytes.NewReader(tarball), client.ImageBuildOptions{
		Tags:        []string{built.Tag},
		Dockerfile:  dockerfileName,
		Remove:      true,
		ForceRemove: true, // no intermediate container survives a failed step
		Version:     build.BuilderV1,
		NetworkMode: network,
		BuildArgs:   j.buildArgs,
	})
	if err != nil {
		return Built{}, fmt.Errorf("building %s: %w", built.Tag, err)
	}
	defer res.Body.Close()
	var progress io.Writer
	if s.Progress != nil {
		w := secret.NewWriter(s.Progress, red)
		defer w.Flush()
		progress = w
	}
	err = engine.ReadStream(res.Body, progress, func(aux json.RawMessage) {
		var id struct{ ID string }
		if json.Unmarshal(aux, &id) == nil && id.ID != "" {
			built.ImageID = id.ID
		}
	})
	if err != nil {
		return Built{}, fmt.Errorf("building %s: %w", built.Tag, err)
	}
	if secrets != nil {
		missed := secrets.close()
		secrets = nil
		if len(missed) > 0 {
			j.discard(built.Tag)
			return Built{}, fmt.Errorf("building %s: the build never fetched secret(s) %s: a RUN step that uses {{ secret }} needs wget or curl in the image, and must run",
				built.Tag, strings.Join(missed, ", "))
		}
	}
	if built.ImageID == "" {
		insp, err := d.engine.ImageInspect(ctx, built.Tag)
		if err != nil {
			return Built{}, fmt.Errorf("building %s: the engine reported no image: %w", built.Tag, err)
		}
		built.ImageID = insp.ID
	}
	return built, nil
}

// secretUse finds the placeholders {{ secret "NAME" }} rendered to.
var secretUse = regexp.MustCompile(`\$\(bake-secret ([a-z][a-z0-9_]*)\)`)

// liveSecrets replaces each placeholder with an expression that fetches the
// secret from srv, once: every use gets a URL of its own.
func liveSecrets(dockerfile []byte, values secret.Values, srv *secretServer) ([]byte, error) {
	var err error
	out := secretUse.ReplaceAllFunc(dockerfile, func(m []byte) []byte {
		name := string(secretUse.FindSubmatch(m)[1])
		if _, ok := values[name]; !ok || err != nil {
			return m
		}
		var expr string
		expr, err = srv.expr(name)
		return []byte(expr)
	})
	return out, err
}

// discard removes the tag of an image that must not be used.
func (j *dockerJob) discard(tag string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _ = j.engine.ImageRemove(ctx, tag, client.ImageRemoveOptions{PruneChildren: true})
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
