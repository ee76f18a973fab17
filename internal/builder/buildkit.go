package builder

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	bkclient "github.com/moby/buildkit/client"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/secrets/secretsprovider"
	"github.com/moby/buildkit/util/progress/progressui"
	"github.com/moby/moby/client"
	"github.com/tonistiigi/fsutil"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/secret"
)

// BuildKitHostEnv names the buildkitd to build with; it comes before
// builder.address in bake.yaml.
const BuildKitHostEnv = "BUILDKIT_HOST"

// buildKit is where a build runs: the engine's embedded BuildKit, which
// stores the image in the engine itself, or a buildkitd at an address,
// whose image bake loads into the engine.
type buildKit struct {
	engine *client.Client
	conf   config.Builder
}

// address is the buildkitd's address, "" for the engine's own BuildKit.
func (b buildKit) address() string {
	if v := os.Getenv(BuildKitHostEnv); v != "" {
		return v
	}
	return b.conf.Address
}

// where names the builder in errors.
func (b buildKit) where() string {
	if a := b.address(); a != "" {
		return "buildkitd at " + a
	}
	return "the Docker engine's BuildKit"
}

// provenance names the builder in a release's provenance and its
// dev.bake.builder label: which of the engine's builders, or which
// buildkitd (its scheme and host only, never a URL's user or query).
func (b buildKit) provenance() string {
	switch a := b.address(); {
	case b.conf.Legacy:
		return "docker legacy"
	case a == "":
		return "docker buildkit"
	default:
		if u, err := url.Parse(a); err == nil && u.Scheme != "" {
			return "buildkitd " + u.Scheme + "://" + u.Host + u.Path
		}
		return "buildkitd"
	}
}

// connect opens a client. The engine's BuildKit answers the Engine API's
// /grpc endpoint (an HTTP upgrade to h2c, the way docker buildx reaches
// it), and takes the build's session, through which it reads the context
// and the secrets, on /session.
func (b buildKit) connect(ctx context.Context) (*bkclient.Client, error) {
	addr := b.address()
	if addr == "" {
		return bkclient.New(ctx, "",
			bkclient.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
				return b.engine.DialHijack(ctx, "/grpc", "h2c", nil)
			}),
			bkclient.WithSessionDialer(func(ctx context.Context, proto string, meta map[string][]string) (net.Conn, error) {
				return b.engine.DialHijack(ctx, "/session", proto, meta)
			}))
	}
	var opts []bkclient.ClientOpt
	u, err := url.Parse(addr)
	if err != nil {
		return nil, fmt.Errorf("%q is not a BuildKit address: %w", addr, err)
	}
	// A socket on this machine is not spoken to over TLS.
	if u.Scheme != "unix" && (b.conf.CA != "" || b.conf.Cert != "") {
		name := b.conf.ServerName
		if name == "" {
			name = u.Hostname()
		}
		opts = append(opts, bkclient.WithServerConfig(name, b.conf.CA))
	}
	if u.Scheme != "unix" && b.conf.Cert != "" {
		opts = append(opts, bkclient.WithCredentials(b.conf.Cert, b.conf.Key))
	}
	return bkclient.New(ctx, addr, opts...)
}

// buildKitBuild is one solve of a rendered Dockerfile.
type buildKitBuild struct {
	dockerfile []byte
	context    string
	tag        string
	buildArgs  map[string]*string
	labels     map[string]string
	secrets    secret.Values
	progress   io.Writer // nil: nothing is printed
	noCache    bool
}

// build solves b with the builtin Dockerfile frontend (no `# syntax=`
// image is pulled) and returns the image id. Every RUN step runs in a
// network namespace of its own: no build reaches the host's loopback.
func (k buildKit) build(ctx context.Context, b buildKitBuild) (string, error) {
	res, err := k.solve(ctx, b, nil, func(ctx context.Context) (bkclient.ExportEntry, func() error, func(error)) {
		return k.exporter(ctx, b.tag)
	})
	if err != nil {
		return "", err
	}
	// The engine's BuildKit reports the image id; an image exported as a
	// tarball is named by its config's digest, which is its id once loaded.
	key := "containerimage.digest"
	if k.address() != "" {
		key = "containerimage.config.digest"
	}
	if id := res.ExporterResponse[key]; id != "" {
		return id, nil
	}
	insp, err := k.engine.ImageInspect(ctx, b.tag)
	if err != nil {
		return "", fmt.Errorf("the engine has no image %s after the build: %w", b.tag, err)
	}
	return insp.ID, nil
}

// exportFunc makes a solve's export: the entry BuildKit exports to, what
// reads the export while the build runs, and what ends that reader when
// the build fails.
type exportFunc func(ctx context.Context) (entry bkclient.ExportEntry, read func() error, abort func(error))

// solve runs one build of b, with the frontend attributes extra on top of
// b's own, exported as export says.
func (k buildKit) solve(ctx context.Context, b buildKitBuild, extra map[string]string, export exportFunc) (*bkclient.SolveResponse, error) {
	dockerfile, err := mountSecrets(b.dockerfile)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "bake-dockerfile-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), dockerfile, 0o644); err != nil {
		return nil, err
	}
	dfFS, err := fsutil.NewFS(dir)
	if err != nil {
		return nil, err
	}
	ctxFS := dfFS
	if b.context != "" {
		if ctxFS, err = fsutil.NewFS(b.context); err != nil {
			return nil, fmt.Errorf("reading build context %s: %w", b.context, err)
		}
	}
	attrs := map[string]string{"filename": "Dockerfile"}
	for k, v := range b.labels {
		attrs["label:"+k] = v
	}
	for k, v := range b.buildArgs {
		if v != nil {
			attrs["build-arg:"+k] = *v
		}
	}
	if b.noCache {
		attrs["no-cache"] = ""
	}
	maps.Copy(attrs, extra)
	c, err := k.connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", k.where(), err)
	}
	defer c.Close()

	secrets := map[string][]byte{}
	for name, v := range b.secrets {
		secrets[name] = []byte(v)
	}
	status := make(chan *bkclient.SolveStatus)
	g, gctx := errgroup.WithContext(ctx)
	entry, read, abort := export(gctx)
	opt := bkclient.SolveOpt{
		Frontend:      "dockerfile.v0",
		FrontendAttrs: attrs,
		LocalMounts:   map[string]fsutil.FS{"context": ctxFS, "dockerfile": dfFS},
		Session:       []session.Attachable{secretsprovider.FromMap(secrets), newRegistryAuth()},
		Exports:       []bkclient.ExportEntry{entry},
	}
	var res *bkclient.SolveResponse
	g.Go(func() error {
		var err error
		if res, err = c.Solve(gctx, nil, opt, status); err != nil {
			abort(err)
		}
		return err
	})
	g.Go(func() error { return showProgress(gctx, b.progress, status) })
	g.Go(read)
	if err := g.Wait(); err != nil {
		if grpcstatus.Code(err) == codes.Unavailable {
			check := "check builder.address and its TLS files in bake.yaml, or BUILDKIT_HOST"
			if strings.HasPrefix(k.address(), "tcp://") && k.conf.Cert == "" {
				// A buildkitd with mutual TLS drops a client without a
				// certificate mid-handshake: "broken pipe", "EOF".
				check = "bake presented no client certificate: a buildkitd with mutual TLS needs builder.cert and builder.key; or " + check
			}
			return nil, fmt.Errorf("it does not answer, or refused bake's connection (%s): %w", check, err)
		}
		return nil, err
	}
	return res, nil
}

// exporter is where the image goes: straight into the engine from its own
// BuildKit; from a buildkitd, a docker tarball that load streams into the
// engine while the build exports it, and that abort ends when the build
// fails.
func (k buildKit) exporter(ctx context.Context, tag string) (entry bkclient.ExportEntry, load func() error, abort func(error)) {
	if k.address() == "" {
		entry = bkclient.ExportEntry{Type: "moby", Attrs: map[string]string{"name": tag}}
		return entry, func() error { return nil }, func(error) {}
	}
	pr, pw := io.Pipe()
	entry = bkclient.ExportEntry{
		Type:   bkclient.ExporterDocker,
		Attrs:  map[string]string{"name": tag},
		Output: func(map[string]string) (io.WriteCloser, error) { return pw, nil },
	}
	load = func() error {
		res, err := k.engine.ImageLoad(ctx, pr, client.ImageLoadWithQuiet(true))
		if err != nil {
			pr.CloseWithError(err)
			return fmt.Errorf("loading the image into the engine: %w", err)
		}
		defer res.Close()
		_, err = io.Copy(io.Discard, res)
		return err
	}
	return entry, load, func(err error) { pw.CloseWithError(err) }
}

// showProgress prints BuildKit's plain progress (one line per step and its
// output, as `docker build --progress=plain` does) to out, or drains it.
func showProgress(ctx context.Context, out io.Writer, status chan *bkclient.SolveStatus) error {
	if out == nil {
		for range status {
		}
		return nil
	}
	d, err := progressui.NewDisplay(out, progressui.PlainMode)
	if err != nil {
		return err
	}
	_, err = d.UpdateFrom(context.WithoutCancel(ctx), status)
	return err
}
