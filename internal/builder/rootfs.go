package builder

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/moby/moby/client"

	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/secret"
)

// RootfsTemplate is the file a base-image template directory holds.
const RootfsTemplate = "rootfs.yaml"

// Recipe is a rendered rootfs.yaml: a Debian root filesystem made from packages.
type Recipe struct {
	Suite   string   `yaml:"suite"`
	Variant string   `yaml:"variant"`
	Include []string `yaml:"include"`
	Epoch   int64    `yaml:"epoch"` // SOURCE_DATE_EPOCH: the image's creation time, for reproducible bytes
	Cmd     []string `yaml:"cmd"`
	Env     []string `yaml:"env"`
}

// Rootfs bakes a base image from Debian's packages with mmdebstrap and loads
// it into the engine. The image bytes depend only on the recipe and the
// packages, never on when it was built.
type Rootfs struct {
	Engine *client.Client
	TmpDir string // where the root filesystem tarball is written ("" for the system default)
}

// Prepare renders and parses the recipe.
func (r *Rootfs) Prepare(s Spec) (Job, error) {
	if len(s.Image.Secrets) > 0 {
		return nil, fmt.Errorf("%w: image %q declares secrets (%s), but a Debian root filesystem is made from packages "+
			"alone, with no build step to give one to: remove its secrets",
			secret.ErrInvalid, s.Image.Name, strings.Join(s.Image.Secrets, ", "))
	}
	rendered, err := Render(s, RootfsTemplate)
	if err != nil {
		return nil, err
	}
	rec, err := parseRootfsRecipe(filepath.Join(s.Image.Template, RootfsTemplate), rendered)
	if err != nil {
		return nil, err
	}
	template := sha(rendered)
	inputs := inputsDigest(s, []byte("rootfs "+template))
	return &rootfsJob{rootfs: r, spec: s, recipe: rec, inputs: inputs, template: template}, nil
}

type rootfsJob struct {
	rootfs   *Rootfs
	spec     Spec
	recipe   Recipe
	inputs   string
	template string
}

func (j *rootfsJob) InputsDigest() string { return j.inputs }

// Run bakes the root filesystem with mmdebstrap and loads the image into the engine.
func (j *rootfsJob) Run(ctx context.Context) (Built, error) {
	r, s, rec := j.rootfs, j.spec, j.recipe
	built := Built{Tag: s.Tag(), InputsDigest: j.inputs, TemplateDigest: j.template, Builder: "rootfs"}

	dir, err := os.MkdirTemp(r.TmpDir, "bake-rootfs-")
	if err != nil {
		return Built{}, err
	}
	defer os.RemoveAll(dir)
	rootfs := filepath.Join(dir, "rootfs.tar")
	if err := mmdebstrap(ctx, rec, rootfs, s.Progress); err != nil {
		return Built{}, fmt.Errorf("baking %s root filesystem: %w", s.Image.Name, err)
	}
	// Who bakes it is not an input: it stays out of a base image's bytes.
	anyone := s
	anyone.User = ""
	img, err := rootfsImage(rootfs, rec, imageLabels(anyone, built, time.Unix(rec.Epoch, 0)))
	if err != nil {
		return Built{}, fmt.Errorf("assembling %s: %w", s.Image.Name, err)
	}
	if built.ImageID, err = load(ctx, r.Engine, built.Tag, img); err != nil {
		return Built{}, fmt.Errorf("loading %s into the engine: %w", built.Tag, err)
	}
	return built, nil
}

func mmdebstrap(ctx context.Context, rec Recipe, out string, progress io.Writer) error {
	args := []string{"--mode=root", "--format=tar"}
	if rec.Variant != "" {
		args = append(args, "--variant="+rec.Variant)
	}
	for _, p := range rec.Include {
		args = append(args, "--include="+p)
	}
	// No mirror argument: mmdebstrap uses the host's apt sources. "--" ends
	// the options, so the suite can only ever be the suite.
	args = append(args, "--", rec.Suite, out)
	cmd := exec.CommandContext(ctx, "mmdebstrap", args...)
	cmd.Env = append(secret.ChildEnv(os.Environ()), "SOURCE_DATE_EPOCH="+strconv.FormatInt(rec.Epoch, 10))
	if progress == nil {
		progress = io.Discard
	}
	cmd.Stdout, cmd.Stderr = progress, progress
	// Its own process group, so an interrupt stops mmdebstrap and every child it started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if err := cmd.Run(); err != nil {
		if _, lookErr := exec.LookPath("mmdebstrap"); lookErr != nil {
			return fmt.Errorf("mmdebstrap is not installed: install it (`apt-get install mmdebstrap` on Debian or Ubuntu)")
		}
		return fmt.Errorf("mmdebstrap %s: %w", rec.Suite, err)
	}
	return nil
}

func rootfsImage(rootfs string, rec Recipe, labels map[string]string) (v1.Image, error) {
	layer, err := tarball.LayerFromFile(rootfs)
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.Created = v1.Time{Time: time.Unix(rec.Epoch, 0).UTC()}
	cfg.Architecture, cfg.OS = "amd64", "linux"
	cfg.Config.Cmd = rec.Cmd
	cfg.Config.Env = append([]string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, rec.Env...)
	cfg.Config.Labels = labels
	return mutate.ConfigFile(img, cfg)
}

// load streams img into the engine as a docker-archive tarball, tagged tag.
func load(ctx context.Context, eng *client.Client, tag string, img v1.Image) (string, error) {
	ref, err := name.NewTag(tag, name.Insecure)
	if err != nil {
		return "", err
	}
	return loadAs(ctx, eng, ref, img)
}

// loadAs streams img into the engine as a docker-archive tarball naming it
// ref, and returns its id: the digest of its config, which loading keeps
// byte for byte.
func loadAs(ctx context.Context, eng *client.Client, ref name.Reference, img v1.Image) (string, error) {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(tarball.Write(ref, img, pw)) }()
	res, err := eng.ImageLoad(ctx, pr, client.ImageLoadWithQuiet(true))
	if err != nil {
		pr.CloseWithError(err)
		return "", err
	}
	defer res.Close()
	if err := engine.ReadStream(res, nil, nil); err != nil {
		return "", err
	}
	id, err := img.ConfigName()
	if err != nil {
		return "", err
	}
	return id.String(), nil
}
