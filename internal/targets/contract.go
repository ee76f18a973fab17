package targets

import (
	"context"
	"io"
	"time"

	"github.com/moby/moby/client"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/frontdoor"
	"github.com/bakehq/bake/internal/kubex"
	"github.com/bakehq/bake/internal/ledger"
)

// Target runs releases on one target type: it starts the new release,
// proves it healthy, switches traffic, and only then retires the old one.
type Target interface {
	// Deploy brings req's release into traffic with req's strategy and
	// returns its replicas; the old release keeps serving when it fails.
	Deploy(ctx context.Context, req Request) ([]Replica, error)
	// Retire keeps, stops or removes what the deployment replaced (the
	// release previousVersion and older ones), as req's retention says.
	Retire(ctx context.Context, req Request, previousVersion string) error
	// Watch checks the deployed replicas' health for period after the
	// switch; an error wrapping ErrUnhealthy means they failed.
	Watch(ctx context.Context, req Request, replicas []Replica, period time.Duration) error
	// Plan says what Deploy and Retire would do, changing nothing.
	Plan(ctx context.Context, req Request, previousVersion string) (Plan, error)
	// Observe reads what runs for an image in an environment and compares
	// it with the record.
	Observe(ctx context.Context, o Observation) (State, error)
	// Serves says where a target of this type serves, for the line after a
	// deployment ("on http://127.0.0.1:8080").
	Serves(t *config.Target) string
}

// Checker is a Target that can tell, before anything changes, that it
// cannot run a request at all (a release without an AMI in its region).
type Checker interface {
	Check(ctx context.Context, req Request) error
}

// Pointer is a Target that publishes what an environment runs once a
// deployment is recorded (an SSM parameter).
type Pointer interface {
	Point(ctx context.Context, req Request, dep ledger.Deployment) error
}

// Recoverer is a Target that can read what runs and converge after an
// interrupted deployment.
type Recoverer interface {
	Inspect(ctx context.Context, req Request) (Live, error)
	Recover(ctx context.Context, rec Recovery) (Recovered, error)
}

// Observation asks what runs for Image in Env, and how it differs from
// the record.
type Observation struct {
	Env    string
	Image  string
	Target *config.Target
	// Version and Digest are the release the ledger says runs ("" if
	// none), Previous the one it replaced.
	Version, Digest, Previous string
	// Keep is what the environment keeps of the replaced release
	// (config.KeepWarm: its replicas run out of traffic, which is no drift).
	Keep string
	// Canary is the digest of the release a canary under way brings in, as
	// the ledger's newest step record names it ("" for none): its replicas
	// running, and a share of requests sent to them, are no drift.
	Canary string
}

// State is what runs for an image in an environment, in terms every
// target type shares, for status and drift.
type State struct {
	// Replicas are the release's instances, running or not.
	Replicas []Replica `json:"replicas"`
	// Upstreams are the addresses traffic is sent to, where the target
	// type routes by address (nil otherwise).
	Upstreams []string `json:"upstreams"`
	// Canary are those of Upstreams that get Weight percent of the
	// requests as a canary, the rest going to the others (nil: no canary).
	Canary []string `json:"canary,omitempty"`
	Weight int      `json:"weight,omitempty"`
	// Detail is the type's own view of what runs (for JSON output: the
	// Auto Scaling groups of an asg target); nil if none.
	Detail any `json:"detail,omitempty"`
	// Lines describe what runs beyond the replicas, one line each.
	Lines []string `json:"-"`
	// Drift lists every difference between the record and what runs.
	Drift []string `json:"drift,omitempty"`
}

// Deps are the clients a target type may build itself from. Each is built
// on first use: a project with only asg targets never connects to the
// Docker engine, and one with only docker targets never loads AWS settings.
type Deps struct {
	Project   string    // the project's name, part of every resource's name
	Operation string    // the bake run: resources it creates carry it
	Progress  io.Writer // one line per step; may be nil
	// Engine connects to the Docker engine.
	Engine func(context.Context) (*client.Client, error)
	// FrontDoor returns the front door: started if it is not running when
	// the target will deploy, as found when it only reads what runs.
	FrontDoor func(context.Context) (*frontdoor.Caddy, error)
	// AWS returns the clients of the project's AWS region.
	AWS func(context.Context) (*awsx.Clients, error)
	// Kubernetes opens a client of a cluster (kubex.Open, with the run's
	// call counter); it reads the kubeconfig and contacts nothing.
	Kubernetes func(context.Context, kubex.Cluster) (*kubex.Client, error)
}
