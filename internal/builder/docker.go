package builder

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"

	"github.com/bakehq/bake/internal/engine"
)

// DockerfileTemplate is the file a Docker template directory holds.
const DockerfileTemplate = "Dockerfile.tmpl"

// Docker builds a Dockerfile template through the Engine API.
type Docker struct {
	Engine *client.Client
}

// Prepare renders the template and packs the build context.
func (d *Docker) Prepare(s Spec) (Job, error) {
	dockerfile, err := Render(s, DockerfileTemplate)
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
	inputs     string
	template   string
}

func (j *dockerJob) InputsDigest() string { return j.inputs }

// Run builds the image through the Engine API.
func (j *dockerJob) Run(ctx context.Context) (Built, error) {
	s, d := j.spec, j
	built := Built{Tag: s.Tag(), InputsDigest: j.inputs, TemplateDigest: j.template, Builder: "docker"}
	// The labels go in as one last instruction (one build step, where the
	// API's labels cost one step each); they are not inputs.
	dockerfile := append(append([]byte{}, j.dockerfile...), labelInstruction(imageLabels(s, built, time.Now()))...)
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
	})
	if err != nil {
		return Built{}, fmt.Errorf("building %s: %w", built.Tag, err)
	}
	defer res.Body.Close()
	err = engine.ReadStream(res.Body, s.Progress, func(aux json.RawMessage) {
		var id struct{ ID string }
		if json.Unmarshal(aux, &id) == nil && id.ID != "" {
			built.ImageID = id.ID
		}
	})
	if err != nil {
		return Built{}, fmt.Errorf("building %s: %w", built.Tag, err)
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
