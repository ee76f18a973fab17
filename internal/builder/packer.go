package builder

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"

	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/secret"
)

// Packer runs an existing Packer template (HCL2 *.pkr.hcl files or a
// packer.json) with the packer binary. The template is Packer's own: it sees
// bake's values as Packer variables, not through Go templates.
type Packer struct {
	Engine *client.Client
	Binary string        // the packer binary; "packer" if empty
	Grace  time.Duration // how long Packer may clean up after an interrupt before it is killed; 5 minutes if zero
}

func (p *Packer) binary() string {
	if p.Binary == "" {
		return "packer"
	}
	return p.Binary
}

func (p *Packer) grace() time.Duration {
	if p.Grace == 0 {
		return 5 * time.Minute
	}
	return p.Grace
}

// Prepare reads the template, decides its variables and hashes the inputs.
func (p *Packer) Prepare(s Spec) (Job, error) {
	t, err := readPackerTemplate(s.Image.Template)
	if err != nil {
		return nil, err
	}
	vars, err := packerVars(s, t)
	if err != nil {
		return nil, err
	}
	version, err := packerVersion(p.binary())
	if err != nil {
		return nil, err
	}
	inputs, tmplDigest, err := packerInputs(s, version, vars)
	if err != nil {
		return nil, err
	}
	return &packerJob{packer: p, spec: s, template: t, vars: vars, inputs: inputs, templateDigest: tmplDigest}, nil
}

// packerInputs hashes the template directory (every file, by sorted name),
// the build context (provisioners upload from it), the variables passed and
// Packer's own version. It also returns the template directory's digest.
func packerInputs(s Spec, packerVersion string, vars []string) (inputs, template string, err error) {
	tmpl, err := contextTar(s.Image.Template, nil)
	if err != nil {
		return "", "", fmt.Errorf("%w: %v", ErrTemplate, err)
	}
	template = sha(tmpl)
	var b bytes.Buffer
	fmt.Fprintf(&b, "packer %s\ntemplate %s\n", packerVersion, template)
	for _, v := range vars {
		fmt.Fprintf(&b, "var %q\n", v)
	}
	if s.Image.Context != "" {
		ctxTar, err := contextTar(s.Image.Context, nil)
		if err != nil {
			return "", "", err
		}
		fmt.Fprintf(&b, "context %s\n", sha(ctxTar))
	}
	return inputsDigest(s, b.Bytes()), template, nil
}

// packerVersion asks the binary for its version ("1.6.6").
func packerVersion(binary string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "version")
	cmd.Env = packerEnv()
	out, err := cmd.Output()
	if missing := packerMissing(binary, err); missing != nil {
		return "", missing
	}
	if err != nil {
		return "", fmt.Errorf("asking %s for its version: %w", binary, err)
	}
	first, _, _ := strings.Cut(string(out), "\n")
	v, ok := strings.CutPrefix(strings.TrimSpace(first), "Packer v")
	if !ok {
		return "", fmt.Errorf("asking %s for its version: unexpected answer %q", binary, first)
	}
	return v, nil
}

// packerMissing turns a failure to start the binary into a hint, nil for any other error.
func packerMissing(binary string, err error) error {
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("packer is not installed (looked for %q): install Packer and put it on PATH", binary)
	}
	return nil
}

type packerJob struct {
	packer         *Packer
	spec           Spec
	template       packerTemplate
	vars           []string // name=value, sorted
	inputs         string
	templateDigest string
}

func (j *packerJob) InputsDigest() string { return j.inputs }

// Run runs `packer build` in the image's build context and tags the docker
// image it made, or returns the AMIs it made. A failed or interrupted run
// leaves no image of bake's behind; Packer removes its own container.
// Secrets reach Packer in a var-file only it can read, never on its command
// line, and are redacted from its output and errors.
func (j *packerJob) Run(ctx context.Context) (Built, error) {
	red := j.spec.redactor()
	built, err := j.run(ctx, red)
	return built, red.Error(err)
}

func (j *packerJob) run(ctx context.Context, red *secret.Redactor) (Built, error) {
	s, eng := j.spec, j.packer.Engine
	name := s.Image.Name + "@" + s.Version
	// The template is expected to use the base with pull = false: bake makes
	// sure the engine has it, from the registry the release was published to.
	if eng != nil && strings.Contains(s.BaseRef, "@sha256:") {
		if err := engine.EnsureImage(ctx, eng, s.BaseRef); err != nil {
			return Built{}, fmt.Errorf("baking %s with packer: %w", name, err)
		}
	}
	varFile := ""
	if len(s.Secrets) > 0 {
		file, remove, err := packerSecretsFile(s.Secrets)
		if err != nil {
			return Built{}, fmt.Errorf("baking %s with packer: %w", name, err)
		}
		defer remove()
		varFile = file
	}
	args := packerBuildArgs(j.vars, varFile, j.template.path)
	var progress io.Writer
	if s.Progress != nil {
		// Packer 1.6.6 prints sensitive variables as they are.
		w := secret.NewWriter(s.Progress, red)
		defer w.Flush()
		progress = w
	}
	res, err := runPacker(ctx, packerRun{
		binary: j.packer.binary(), dir: s.Image.Context, args: args, progress: progress, grace: j.packer.grace(),
	})
	if err != nil {
		return Built{}, errors.Join(fmt.Errorf("baking %s with packer: %w", name, err), j.discard(ctx, res.Artifacts))
	}
	imageID, amis, err := packerProduct(res.Artifacts)
	if err != nil {
		return Built{}, errors.Join(fmt.Errorf("baking %s with packer: %w", name, err), j.discard(ctx, res.Artifacts))
	}
	built := Built{InputsDigest: j.inputs, TemplateDigest: j.templateDigest, Builder: "packer"}
	if amis != nil {
		built.AMIs = amis
		return built, nil
	}
	if eng == nil {
		return Built{}, fmt.Errorf("baking %s with packer: a docker image needs a docker engine", name)
	}
	built.Tag = s.Tag()
	// The same labels as every image bake builds, added in one LABEL step
	// that also tags the image.
	if built.ImageID, err = labelImage(ctx, eng, imageID, built.Tag, imageLabels(s, built, time.Now())); err != nil {
		return Built{}, errors.Join(fmt.Errorf("labelling %s as %s: %w", imageID, built.Tag, err), j.discard(ctx, res.Artifacts))
	}
	return built, nil
}

// packerProduct picks what a build made: exactly one docker image, or one set of AMIs.
func packerProduct(arts []PackerArtifact) (imageID string, amis map[string]string, err error) {
	var products, exported []PackerArtifact
	for _, a := range arts {
		switch {
		case a.DockerImageID() != "":
			products, imageID = append(products, a), a.DockerImageID()
		case a.AMIs() != nil:
			products, amis = append(products, a), a.AMIs()
		case a.BuilderID == PackerDockerExport:
			exported = append(exported, a)
		}
	}
	switch {
	case len(products) == 1:
		return imageID, amis, nil
	case len(products) > 1:
		return "", nil, fmt.Errorf("%w: builds %s made %d images: an image definition makes one docker image or one set of AMIs",
			ErrTemplate, packerBuilds(products), len(products))
	case len(exported) > 0:
		return "", nil, fmt.Errorf("%w: build %s exports a tarball: bake needs the docker builder's commit = true", ErrTemplate, packerBuilds(exported))
	default:
		return "", nil, fmt.Errorf("packer reported no docker image and no AMI (%d artifacts)", len(arts))
	}
}

// labelImage builds, FROM image, a child that only adds labels, tags it
// and returns its id.
func labelImage(ctx context.Context, eng *client.Client, image, tag string, labels map[string]string) (string, error) {
	dockerfile := append([]byte("FROM "+image+"\n"), labelInstruction(labels)...)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := &tar.Header{Name: dockerfileName, Mode: 0o644, Size: int64(len(dockerfile)), Typeflag: tar.TypeReg, ModTime: zeroTime}
	if err := tw.WriteHeader(hdr); err != nil {
		return "", err
	}
	if _, err := tw.Write(dockerfile); err != nil {
		return "", err
	}
	if err := tw.Close(); err != nil {
		return "", err
	}
	res, err := eng.ImageBuild(ctx, &buf, client.ImageBuildOptions{
		Tags: []string{tag}, Dockerfile: dockerfileName, Remove: true, ForceRemove: true, Version: build.BuilderV1,
	})
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var id string
	err = engine.ReadStream(res.Body, nil, func(aux json.RawMessage) {
		var built struct{ ID string }
		if json.Unmarshal(aux, &built) == nil && built.ID != "" {
			id = built.ID
		}
	})
	if err != nil {
		return "", err
	}
	if id == "" {
		insp, err := eng.ImageInspect(ctx, tag)
		if err != nil {
			return "", fmt.Errorf("the engine reported no image: %w", err)
		}
		id = insp.ID
	}
	return id, nil
}

// discard removes the docker images Packer made for a run that failed, so
// nothing is left behind. AMIs are left to their owner's AWS account and named.
func (j *packerJob) discard(ctx context.Context, arts []PackerArtifact) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	var errs []error
	for _, a := range arts {
		if id := a.DockerImageID(); id != "" && j.packer.Engine != nil {
			if _, err := j.packer.Engine.ImageRemove(ctx, id, client.ImageRemoveOptions{PruneChildren: true}); err != nil {
				errs = append(errs, fmt.Errorf("removing image %s of build %q: %w", id, a.Build, err))
			}
		}
		if amis := a.AMIs(); amis != nil {
			errs = append(errs, fmt.Errorf("build %q made AMIs bake does not record: %s", a.Build, a.ID))
		}
	}
	return errors.Join(errs...)
}

// packerSecretsFile writes the secrets to a JSON var-file that only this
// user can read, in a directory of its own; remove deletes both.
func packerSecretsFile(values secret.Values) (path string, remove func(), err error) {
	dir, err := os.MkdirTemp("", "bake-packer-secrets-")
	if err != nil {
		return "", nil, err
	}
	remove = func() { _ = os.RemoveAll(dir) }
	data, err := json.Marshal(map[string]string(values))
	if err == nil {
		path = filepath.Join(dir, "secrets.pkrvars.json")
		err = os.WriteFile(path, data, 0o600)
	}
	if err != nil {
		remove()
		return "", nil, fmt.Errorf("writing the secrets var-file: %w", err)
	}
	return path, remove, nil
}

// packerEnv is the environment Packer runs in: no update check (nothing
// leaves this machine but what a template asks for), a download cache
// outside the build context so running Packer never changes the inputs, and
// none of bake's BAKE_SECRET_* variables: Packer gets the secrets of its
// image as variables, and nothing it starts inherits the others.
func packerEnv() []string {
	// A template may build on EC2, so Packer keeps the AWS credentials.
	env := append(secret.ChildEnv(os.Environ(), secret.AWSCredentials...), "CHECKPOINT_DISABLE=1")
	if os.Getenv("PACKER_CACHE_DIR") == "" {
		if dir, err := os.UserCacheDir(); err == nil {
			env = append(env, "PACKER_CACHE_DIR="+dir+"/bake/packer")
		}
	}
	return env
}

// packerBuildArgs is the command line of a build. Each variable is one
// -var=NAME=VALUE argument and "--" ends the options before the template,
// so no value from bake.yaml can become an option of Packer's.
func packerBuildArgs(vars []string, varFile, template string) []string {
	args := []string{"build", "-machine-readable", "-color=false"}
	for _, v := range vars {
		args = append(args, "-var="+v)
	}
	if varFile != "" {
		args = append(args, "-var-file="+varFile)
	}
	return append(args, "--", template)
}
