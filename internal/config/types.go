package config

import (
	"time"

	"github.com/bakehq/bake/internal/notify"
	"github.com/bakehq/bake/internal/signing/keys"
)

// Defaults used when bake.yaml leaves a field out.
const (
	DefaultRegistry      = "127.0.0.1:5000"
	DefaultLedger        = ".bake/ledger.db"
	DefaultSigningKey    = ".bake/signing.key" // where `bake keygen` writes the private key
	DefaultFrontDoor     = "127.0.0.1:2019"
	DefaultHealthTimeout = 60 * time.Second
	DefaultCheckTimeout  = 30 * time.Second
	DefaultKeepReleases  = 3
	DefaultInstanceType  = "t3.micro"
)

// Project is a loaded and validated bake.yaml.
type Project struct {
	File         string         // absolute path of bake.yaml
	Dir          string         // directory of bake.yaml; relative paths resolve against it
	Name         string         // `project:`, used in resource names and registry repositories
	Registry     Registry       // the OCI registry releases are pushed to
	Ledger       string         // absolute path of the SQLite ledger, or a dynamodb://TABLE?region=R URL as written
	FrontDoor    FrontDoor      // deprecated: the shared Caddy of an older bake
	Notify       Notify         // where events about releases and deployments go
	AWS          AWS            // how bake reaches AWS, for AMI images and asg targets
	Signing      Signing        // the keys releases are signed and verified with
	Builder      Builder        // which BuildKit builds Docker images
	Images       []*Image       // in file order
	Environments []*Environment // in promotion order: a release enters Environments[i] only after Environments[i-1]
}

// FrontDoor says where the admin API of the one shared Caddy an older bake
// ran answered. bake now runs a Caddy per front door, each with its admin
// API on a private unix socket; the field is kept so that older bake.yaml
// files load, and the address stays reserved.
type FrontDoor struct {
	Admin string // host:port, loopback only
}

// AWS says how bake reaches the AWS API. Empty fields fall back to the SDK's
// standard chain (AWS_REGION, AWS_ENDPOINT_URL, profiles).
type AWS struct {
	Region   string // the region AMIs are built in and asg targets run in
	Endpoint string // an endpoint override for every AWS service, e.g. a local moto server
}

// Signing says which keys releases are signed with when they are recorded,
// and which signatures promote and rollback accept.
type Signing struct {
	// Key is the absolute path of the private key releases are signed with
	// ("" for none here; BAKE_SIGNING_KEY and BAKE_SIGNING_KEY_FILE come first).
	Key string
	// PublicKeys are the keys a release must be signed by to be deployed;
	// none: signatures are not checked (digests always are).
	PublicKeys []keys.PublicKey
	// Approvers may approve releases, each with a key of their own; when
	// any are listed an approval counts only if one of them signed it.
	Approvers []Approver
}

// Approver is a person who may approve releases, and the public half of
// the key their approvals are signed with.
type Approver struct {
	Name string
	Key  keys.PublicKey
}

// Approver returns the approver whose key has this id, if there is one.
func (s Signing) Approver(keyID string) (Approver, bool) {
	for _, a := range s.Approvers {
		if a.Key.ID == keyID {
			return a, true
		}
	}
	return Approver{}, false
}

// The words builder: may be.
const (
	BuilderBuildKit = "buildkit"
	BuilderLegacy   = "legacy"
)

// Builder says which BuildKit builds Docker images: the engine's own
// (Address empty) or a buildkitd at Address, reached over TLS when CA or
// Cert is set. BUILDKIT_HOST, when set, comes before Address.
type Builder struct {
	Legacy     bool   // the engine's legacy builder: no secrets, no cache mounts
	Address    string // tcp://HOST:PORT, unix:///PATH, ...
	CA         string // absolute path of the CA bundle the buildkitd's certificate is checked against
	Cert, Key  string // absolute paths of the client certificate and key bake presents
	ServerName string // the name the buildkitd's certificate is checked for ("" for the address's host)
}

// Notify says where bake sends an event for each release, promotion,
// rollback, automatic rollback and failure.
type Notify struct {
	Webhook string       // http(s) URL receiving one JSON POST per event; "" for none
	Allow   notify.Allow // addresses besides public ones the webhook may reach (notify.allow)
}

// Image is one image definition: what to build and how to check it.
type Image struct {
	Name     string
	Template string // absolute path of the template directory (holds Dockerfile.tmpl, or rootfs.yaml); "" for a plain Dockerfile
	// Dockerfile is the absolute path of a Dockerfile built as it is, with
	// no templating ("" for a template): it gets BuildArgs and its vars as
	// build arguments where it declares them.
	Dockerfile string
	Context    string            // absolute path of the build context
	Base       string            // name of another image whose newest validated release this one builds FROM ("" for none)
	Vars       map[string]string // template variables
	Secrets    []string          // build secrets it needs, by name; values come from BAKE_SECRET_<NAME> at build time
	Port       int               // port the service listens on inside the container (0: not a service)
	Sandbox    Sandbox           // how the image runs in its sandbox
	Checks     []Check           // run in the sandbox at release time; the first http check is also the deploy health check
	// Platforms are the platforms (linux/ARCH[/VARIANT]) the image is built
	// for, as one index; none builds the builder's own platform only.
	Platforms []string
	// PlatformsAt is where bake.yaml sets platforms, for a problem found
	// with them later (the builder cannot build them): Msg is empty.
	PlatformsAt Error
}

// Sandbox says how an image runs in its sandbox.
type Sandbox struct {
	// ReadOnly runs it with a read-only root filesystem (and a private /tmp);
	// true unless the image must write elsewhere.
	ReadOnly bool
	// For AMI images: the subnet and instance type of the sandbox instance
	// ("" for the default subnet and DefaultInstanceType).
	Subnet       string
	InstanceType string
	// InstanceProfile names the IAM instance profile of the sandbox
	// instance: what lets its SSM agent register, so checks can run.
	InstanceProfile string
}

// Recipe is what says how the image is built: its template directory, or
// its Dockerfile when it has a plain one.
func (i *Image) Recipe() string {
	if i.Dockerfile != "" {
		return i.Dockerfile
	}
	return i.Template
}

// HealthCheck returns the check a deployment waits for, or nil if the image has no http check.
func (i *Image) HealthCheck() *Check {
	for k := range i.Checks {
		if i.Checks[k].HTTP != nil {
			return &i.Checks[k]
		}
	}
	return nil
}

// Check is one sandbox check. Exactly one of HTTP, TCP and Command is set.
// String fields may use {{ .Version }}, {{ .Image }} and {{ .Vars.NAME }}.
type Check struct {
	Name    string
	HTTP    *HTTPCheck
	TCP     *TCPCheck
	Command *CommandCheck
	User    *UserCheck
}

// Kind names the kind of check ("http", "tcp" or "command").
func (c Check) Kind() string {
	switch {
	case c.HTTP != nil:
		return "http"
	case c.TCP != nil:
		return "tcp"
	case c.User != nil:
		return "user"
	}
	return "command"
}

// HTTPCheck asks a URL until it answers as expected or the timeout passes.
type HTTPCheck struct {
	Port    int           // container port; defaults to the image's port
	Path    string        // defaults to "/"
	Status  int           // expected status; defaults to 200
	Body    string        // regular expression the body must match ("" for any)
	Timeout time.Duration // deadline for all retries; defaults to 30s
}

// TCPCheck connects to a port until it accepts or the timeout passes.
type TCPCheck struct {
	Port    int           // container port; defaults to the image's port
	Timeout time.Duration // deadline for all tries; defaults to 30s
}

// UserCheck asserts which user the image runs as, from its config.
type UserCheck struct {
	NotRoot bool   // the image must not run as root (nor as an unset user, which is root)
	Name    string // the exact user (and group) the image must run as; "" for any
}

// CommandCheck runs a command inside the container.
type CommandCheck struct {
	Argv     []string
	ExitCode int           // expected exit code (default 0)
	Stdout   string        // regular expression stdout must match ("" for any)
	Timeout  time.Duration // defaults to 30s
}

// Environment is one stage of the promotion path.
type Environment struct {
	Name string
	// Protected environments ask before a promote or rollback changes what
	// they run (on a terminal; elsewhere they need --yes).
	Protected bool
	Gates     Gates
	Retention Retention
	Targets   map[string]*Target // by image name
	// Registry is where the environment's targets pull releases from (a
	// production account's own registry); nil for the project's. A
	// promotion copies a release there by digest before deploying it.
	Registry *Registry
}

// RegistryOf is the registry env's targets pull from.
func (p *Project) RegistryOf(env *Environment) Registry {
	if env.Registry != nil && env.Registry.Address != "" {
		return *env.Registry
	}
	return p.Registry
}

// What happens to the replicas of the release a deployment replaces.
const (
	KeepWarm    = "warm"    // kept running out of traffic: rollback is one front-door switch
	KeepStopped = "stopped" // stopped and kept: rollback starts them again
	KeepRemoved = "removed" // removed: rollback starts new replicas from the local image
)

// Retention says what an environment keeps for rollbacks.
type Retention struct {
	Previous string // KeepWarm, KeepStopped (default) or KeepRemoved
	Releases int    // rollback candidates `bake gc` keeps, besides the running release; default 3
}

// Deployment strategies of the docker target.
const (
	BlueGreen = "blue-green" // start every new replica, then switch traffic in one step
	Rolling   = "rolling"    // replace one replica at a time, each health-gated
)

// Gates are what a release must have done before it enters an environment,
// beyond the rules that always hold: validated, never revoked, and (after
// the first environment) succeeded in the environment before.
type Gates struct {
	Approval bool          // someone ran `bake approve IMAGE@VERSION --env ENV`
	Soak     time.Duration // it has run in the environment before for at least this long
}

// Target types.
const (
	TargetDocker = "docker" // replica containers on the local engine behind a Caddy front door
	TargetASG    = "asg"    // an EC2 Auto Scaling group per release behind load-balancer target groups
)

// Target says how an image runs in an environment.
type Target struct {
	Type          string        // TargetDocker (default) or TargetASG
	Replicas      int           // defaults to 1; for asg, the group's size
	Listen        string        // 127.0.0.1:PORT where the front door serves this image in this environment
	HealthTimeout time.Duration // how long new replicas have to pass the health check; defaults to 60s
	Strategy      string        // BlueGreen (default) or Rolling
	MinHealthy    int           // rolling: healthy replicas in traffic never fewer than this; defaults to Replicas
	Watch         time.Duration // after the switch, how long health is watched before the old release is retired; 0 for no watch
	ASG           *ASG          // set for TargetASG
}

// ASG is where an asg target runs a release: a new launch template and Auto
// Scaling group "<Group>-v<version>" per release, attached to TargetGroups.
type ASG struct {
	Group        string   // name prefix of the groups; default "<project>-<env>-<image>"
	TargetGroups []string // ARNs of the load-balancer target groups the groups attach to
	Subnets      []string // subnets the instances run in; default: the default VPC's
	InstanceType string   // default DefaultInstanceType
	// SecurityGroups are the instances' security groups (ids); default: the VPC's default group.
	SecurityGroups []string
	// InstanceProfile names the instances' IAM instance profile ("" for none).
	InstanceProfile string
}

// Image returns the image definition with that name, or nil.
func (p *Project) Image(name string) *Image {
	for _, i := range p.Images {
		if i.Name == name {
			return i
		}
	}
	return nil
}

// Environment returns the environment with that name and its position, or nil and -1.
func (p *Project) Environment(name string) (*Environment, int) {
	for k, e := range p.Environments {
		if e.Name == name {
			return e, k
		}
	}
	return nil, -1
}
