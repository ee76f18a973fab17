// Package cli holds bake's commands: one file per command, each parsing its
// flags and calling the package that does the work.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/moby/moby/client"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/builder"
	"github.com/bakehq/bake/internal/callcount"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/frontdoor"
	"github.com/bakehq/bake/internal/journal"
	"github.com/bakehq/bake/internal/kubex"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/backend"
	"github.com/bakehq/bake/internal/notify"
	"github.com/bakehq/bake/internal/registry"
	"github.com/bakehq/bake/internal/registry/ecrapi"
	"github.com/bakehq/bake/internal/secret"
	"github.com/bakehq/bake/internal/signing"
	"github.com/bakehq/bake/internal/targets"
)

// Factory holds the IO streams, global flags and lazily built clients every
// command shares.
type Factory struct {
	// readerGone is set once a write to stdout or stderr found its reader gone.
	readerGone  *atomic.Bool
	In          io.Reader
	Out         io.Writer
	Err         io.Writer
	Terminal    bool // stdout is a terminal
	InTerminal  bool // stdin is a terminal: questions can be answered
	ErrTerminal bool // stderr is a terminal: progress bars instead of build logs

	ConfigPath string // --config
	Output     string // --output: text or json
	Yes        bool   // --yes

	Operation string // id of this bake run, on every resource it creates

	progress io.Writer
	rendered bool // the result document is on stdout (--output json)
	project  *config.Project
	store    ledger.Store
	engine   *client.Client
	webhook  *notify.Webhook
	aws      *awsx.Clients
	targets  targets.Router // the targets the promotion engine deploys through
	// AWSCalls counts the AWS API calls this run made.
	AWSCalls awsx.Calls
	// KubernetesCalls counts the Kubernetes API calls this run made.
	KubernetesCalls callcount.Counter
	// noCallCount keeps the counts unsaid: the run ended on bad input.
	noCallCount bool

	// Secrets are the BAKE_SECRET_* variables: the values of build secrets.
	Secrets secret.Env
	// redactor hides their values from everything bake prints or records.
	redactor *secret.Redactor

	// signingKey is the value BAKE_SIGNING_KEY had: the private key as PEM text.
	signingKey string
	// webhookSecret is the value BAKE_WEBHOOK_SECRET had: the key webhook
	// events are signed with.
	webhookSecret string
	// signer signs the releases this run records, once Signer found it.
	signer     *signing.Signer
	signerErr  error
	signerOnce sync.Once
}

// NewFactory returns a Factory on the process's standard streams, which
// never show the value of a BAKE_SECRET_* variable.
func NewFactory() *Factory {
	secrets := secret.FromEnviron(os.Environ())
	signingKey, webhookSecret := takeSigningKey(), takeWebhookSecret()
	red := secret.NewRedactor(append(secrets.Values(), signingKey, webhookSecret)...)
	gone := new(atomic.Bool)
	stdout, stderr := readerGone{w: os.Stdout, gone: gone}, readerGone{w: os.Stderr, gone: gone}
	return &Factory{
		In: os.Stdin, Out: secret.NewWriter(stdout, red), Err: secret.NewWriter(stderr, red),
		readerGone:    gone,
		Terminal:      isatty.IsTerminal(os.Stdout.Fd()),
		InTerminal:    isatty.IsTerminal(os.Stdin.Fd()),
		ErrTerminal:   isatty.IsTerminal(os.Stderr.Fd()),
		Operation:     engine.NewOperationID(),
		Secrets:       secrets,
		redactor:      red,
		signingKey:    signingKey,
		webhookSecret: webhookSecret,
	}
}

// JSON reports whether output must be machine readable.
func (f *Factory) JSON() bool { return f.Output == "json" }

// Progress is where progress goes: human lines on stderr, or JSON lines on
// stderr with --output json (stdout keeps the one result document).
func (f *Factory) Progress() io.Writer {
	if f.progress == nil {
		if f.JSON() {
			f.progress = newEventWriter(f.Err)
		} else {
			f.progress = f.Err
		}
	}
	return f.progress
}

// Project loads bake.yaml once.
func (f *Factory) Project() (*config.Project, error) {
	if f.project == nil {
		p, err := config.Load(f.ConfigPath)
		if err != nil {
			return nil, err
		}
		// BAKE_WEBHOOK_URL stands in for notify.webhook, so it is bad input
		// on the same terms, before anything runs: not a warning when the
		// first event cannot be delivered.
		if u := os.Getenv(notify.EnvURL); u != "" {
			if err := notify.CheckURL(u, p.Notify.Allow); err != nil {
				return nil, &usageError{fmt.Sprintf("%s %q: %v", notify.EnvURL, u, err)}
			}
		}
		// BUILDKIT_HOST stands in for builder.address, on the same terms.
		if a := os.Getenv(builder.BuildKitHostEnv); a != "" {
			if err := config.CheckBuildKitAddress(a); err != nil {
				return nil, &usageError{fmt.Sprintf("%s: %v", builder.BuildKitHostEnv, err)}
			}
		}
		f.project = p
		// Amazon ECR hosts get their registry tokens through the project's
		// AWS configuration, in every registry call and engine push or pull.
		registry.UseECR(ecrapi.New(awsx.Settings{Endpoint: p.AWS.Endpoint}, &f.AWSCalls))
	}
	return f.project, nil
}

// Store opens the ledger named by bake.yaml once, without creating it:
// where nothing was recorded yet it says so (exit 2) and that `bake release`
// comes first, so a read-only command never leaves an empty ledger behind
// (nor an empty DynamoDB table).
func (f *Factory) Store(ctx context.Context) (ledger.Store, error) {
	return f.openStore(ctx, false)
}

// CreateStore is Store for the commands that record releases (release,
// build): it creates the ledger, its directory or its DynamoDB table as needed.
func (f *Factory) CreateStore(ctx context.Context) (ledger.Store, error) {
	return f.openStore(ctx, true)
}

// openStore opens a DynamoDB table for a dynamodb:// URL, whose region and
// endpoint default to bake.yaml's aws: section (and then to AWS_REGION and
// AWS_ENDPOINT_URL), else a SQLite file; it signs releases with the run's
// key and redacts secret values.
func (f *Factory) openStore(ctx context.Context, create bool) (ledger.Store, error) {
	if f.store != nil {
		return f.store, nil
	}
	p, err := f.Project()
	if err != nil {
		return nil, err
	}
	o := backend.Options{Location: p.Ledger, Region: p.AWS.Region, Endpoint: p.AWS.Endpoint, Create: create,
		Sealer: f.sealer, Calls: &f.AWSCalls}
	if f.redactor != nil {
		o.Redactor = f.redactor
	}
	s, err := backend.Open(ctx, o)
	switch {
	case errors.Is(err, ledger.ErrNoLedger):
		return nil, fmt.Errorf("%w: run `bake release` first (or fix `ledger:` in %s if it should be elsewhere)", err, f.ConfigPath)
	case errors.Is(err, ledger.ErrUnusable):
		return nil, fmt.Errorf("%w: set `ledger:` in %s to a file in a directory bake can write", err, f.ConfigPath)
	case err != nil:
		return nil, err
	}
	f.store = s
	return f.store, nil
}

// Engine connects to the Docker engine once.
func (f *Factory) Engine(ctx context.Context) (*client.Client, error) {
	if f.engine == nil {
		c, err := engine.Connect(ctx)
		if err != nil {
			return nil, err
		}
		f.engine = c
	}
	return f.engine, nil
}

// FrontDoor returns bake's front doors (a Caddy per route, under bake's
// state dir), each started again if it is not running.
func (f *Factory) FrontDoor(ctx context.Context) (*frontdoor.Caddy, error) {
	c := &frontdoor.Caddy{StateDir: frontdoor.UserStateDir()}
	if err := c.Ensure(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// reportCalls says how many AWS and Kubernetes API calls the run made, by
// operation: what a deployment costs in API quota, and what the benchmark
// counts. Not after bad input, whose one line says all.
func (f *Factory) reportCalls() {
	if f.noCallCount {
		return
	}
	if line := f.AWSCalls.Summary(); line != "" {
		fmt.Fprintf(f.Progress(), "aws: %s\n", line)
	}
	if line := f.KubernetesCalls.Summary(); line != "" {
		fmt.Fprintf(f.Progress(), "kubernetes: %s\n", line)
	}
}

// AWS returns the AWS clients of the project's region (aws: in bake.yaml,
// else the SDK's standard chain), made once per run.
func (f *Factory) AWS(ctx context.Context) (*awsx.Clients, error) {
	if f.aws == nil {
		p, err := f.Project()
		if err != nil {
			return nil, err
		}
		cfg, err := awsx.Load(ctx, awsx.Settings{Region: p.AWS.Region, Endpoint: p.AWS.Endpoint}, &f.AWSCalls)
		if err != nil {
			return nil, err
		}
		// Before this run creates anything in AWS: sweep --aws removes only
		// what runs in the journal created.
		if err := journal.Record(journal.Path(p.Dir), f.Operation, "by "+f.User(), time.Now()); err != nil {
			fmt.Fprintf(f.Progress(), "warning: %v; `bake sweep --aws` will leave what this run creates alone\n", err)
		}
		f.aws = awsx.NewClients(cfg)
	}
	return f.aws, nil
}

// Kubernetes opens a client of cluster c; its calls count in
// KubernetesCalls.
func (f *Factory) Kubernetes(_ context.Context, c kubex.Cluster) (*kubex.Client, error) {
	return kubex.Open(c, &f.KubernetesCalls)
}

// User names who runs bake, for the record.
func (f *Factory) User() string {
	if u := os.Getenv("BAKE_USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown"
}

// Close releases the clients.
func (f *Factory) Close() {
	f.closeWebhook()
	f.reportCalls()
	if f.store != nil {
		_ = f.store.Close()
	}
	if f.engine != nil {
		_ = f.engine.Close()
	}
	f.flushOutput()
}

// buildOutput is where a single build's own output goes: a progress bar on a
// terminal, otherwise the progress stream. Call done when the build ends.
func (f *Factory) buildOutput(image string) (io.Writer, func(failed bool)) {
	if f.ErrTerminal && !f.JSON() {
		bar := newStepBar(f.Err, image)
		return bar, bar.done
	}
	return f.Progress(), func(bool) {}
}
