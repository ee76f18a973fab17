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
//
// The yaml tags name each field's key in bake.yaml and the decoder accepts
// exactly those keys; the generated bake.yaml reference and JSON Schema
// (docs/reference) read the same tags and the comments on the fields. Tags:
// default:"V" is the value a missing key takes; bake:"..." holds required
// (the key must be there), keyed (a list written as a mapping from each
// element's name), scalar (the mapping may be written as this one value; with
// =A|B, as one of those words), words=A|B (a set of flags written as a list
// of those words), when=KEY:VALUE (only allowed when KEY, which decides
// the keys of the mapping, has VALUE), with=KEY:VALUE (only allowed when
// another key has VALUE; with required, required then), one-of (exactly
// one of the fields so marked is set), file (a path, written relative to
// bake.yaml and held here as an absolute path), percent (a fraction written
// as a percentage, 1% for 0.01) and enum=A|B.
type Project struct {
	File string `yaml:"-"` // absolute path of bake.yaml
	Dir  string `yaml:"-"` // directory of bake.yaml; relative paths resolve against it
	// Name is the project's name, used in resource names and registry
	// repositories (PROJECT/IMAGE): lowercase letters, digits and hyphens,
	// at most 40.
	Name     string   `yaml:"project" bake:"required"`
	Registry Registry `yaml:"registry" default:"127.0.0.1:5000"` // the OCI registry releases are pushed to
	// Ledger is where releases and deployments are recorded: a SQLite
	// file, or dynamodb://TABLE?region=REGION[&endpoint=URL] for a team's
	// table, kept as written.
	Ledger    string    `yaml:"ledger" default:".bake/ledger.db"`
	FrontDoor FrontDoor `yaml:"frontdoor"`                  // deprecated: the shared Caddy of an older bake
	Notify    Notify    `yaml:"notify"`                     // where events about releases and deployments go
	AWS       AWS       `yaml:"aws"`                        // how bake reaches AWS, for AMI images and asg targets
	Signing   Signing   `yaml:"signing"`                    // the keys releases are signed and verified with; `bake keygen` prints these lines
	Builder   Builder   `yaml:"builder" default:"buildkit"` // which BuildKit builds Docker images
	// Retention says what `bake gc` does with the AMIs of releases, beside
	// what each environment's retention keeps.
	Retention AMIRetention `yaml:"retention"`
	// Images are the image definitions, by name, in file order.
	Images []*Image `yaml:"images" bake:"required,keyed"`
	// Environments are the stages a release moves through, in promotion
	// order: a release enters one only after it succeeded in the one
	// before (Environments[i-1]).
	Environments []*Environment `yaml:"environments" bake:"required"`
}

// FrontDoor says where the admin API of the one shared Caddy an older bake
// ran answered. bake now runs a Caddy per front door, each with its admin
// API on a private unix socket; the field is kept so that older bake.yaml
// files load, and the address stays reserved.
type FrontDoor struct {
	Admin string `yaml:"admin" default:"127.0.0.1:2019"` // host:port, loopback only
}

// AWS says how bake reaches the AWS API. Empty fields fall back to the SDK's
// standard chain (AWS_REGION, AWS_ENDPOINT_URL, profiles).
type AWS struct {
	Region   string `yaml:"region"`   // the region AMIs are built in and asg targets run in (AWS_REGION otherwise)
	Endpoint string `yaml:"endpoint"` // an http(s) endpoint for every AWS service, e.g. a local moto server (AWS_ENDPOINT_URL otherwise)
}

// Signing says which keys releases are signed with when they are recorded,
// and which signatures promote and rollback accept.
type Signing struct {
	// Key is the file of the private key releases are signed with when
	// they are recorded ("" for none here; BAKE_SIGNING_KEY, the PEM text,
	// and BAKE_SIGNING_KEY_FILE come first).
	Key string `yaml:"key" bake:"file"`
	// PublicKeys are the keys a release must be signed by to be deployed,
	// each a PEM file read and checked when bake.yaml loads; none:
	// signatures are not checked (digests always are).
	PublicKeys []keys.PublicKey `yaml:"public_keys" bake:"file"`
	// Approvers may approve releases (bake approve --key), each with a key
	// of their own; when any are listed an approval counts only if one of
	// them signed it, and in a protected environment not if it is the key
	// that signed the release.
	Approvers []Approver `yaml:"approvers"`
}

// Approver is a person who may approve releases, and the public half of
// the key their approvals are signed with.
type Approver struct {
	Name string         `yaml:"name" bake:"required"`            // who approves, as history shows it
	Key  keys.PublicKey `yaml:"public_key" bake:"required,file"` // the PEM public key their approvals are signed with
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
// (no address) or a buildkitd at an address, reached over TLS when a CA or
// a client certificate is given. BUILDKIT_HOST, when set, comes before the
// address.
type Builder struct {
	// Legacy is the engine's legacy builder (builder: legacy): no secrets,
	// no cache mounts. builder: buildkit is the engine's own BuildKit.
	Legacy     bool   `yaml:"-" bake:"scalar=buildkit|legacy"`
	Address    string `yaml:"address" bake:"required"` // the buildkitd: tcp://HOST:PORT, unix:///PATH, ...
	CA         string `yaml:"ca" bake:"file"`          // the CA bundle the buildkitd's certificate is checked against
	Cert       string `yaml:"cert" bake:"file"`        // the client certificate bake presents
	Key        string `yaml:"key" bake:"file"`         // the client certificate's private key
	ServerName string `yaml:"server_name"`             // the name the buildkitd's certificate is checked for ("" for the address's host)
}

// Notify says where bake sends an event for each release, promotion,
// rollback, automatic rollback and failure.
type Notify struct {
	// Webhook is the URL receiving one JSON POST per event ("" for none;
	// BAKE_WEBHOOK_URL overrides it): https only, no redirects followed,
	// public addresses only unless allowed below.
	Webhook string `yaml:"webhook"`
	// Allow names the addresses besides public ones the webhook may reach:
	// loopback (127.0.0.0/8 and ::1, and plain http to them) and private
	// (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7). Link-local and
	// cloud metadata addresses are never reached.
	Allow notify.Allow `yaml:"allow" bake:"words=loopback|private"`
}

// Image is one image definition: what to build and how to check it.
type Image struct {
	Name string `yaml:"-"` // its key under images:
	// Template is the template directory (holding Dockerfile.tmpl, a Packer
	// template, ami.yaml or rootfs.yaml); "" for a plain Dockerfile. An
	// image has this or dockerfile.
	Template string `yaml:"template" bake:"file"`
	// Dockerfile is a Dockerfile built as it is, with no templating ("" for
	// a template): it gets BAKE_VERSION, BAKE_IMAGE, BAKE_GIT_COMMIT,
	// BAKE_BASE and its vars as build arguments where it declares them (ARG).
	Dockerfile string `yaml:"dockerfile" bake:"file"`
	// Context is the build context directory, inside the project; by
	// default images/NAME for a template, the Dockerfile's directory for a
	// plain Dockerfile.
	Context string `yaml:"context" bake:"file"`
	// Base names another image here whose newest validated release this one
	// builds FROM ("" for none; no cycles).
	Base string `yaml:"base"`
	// Port is the port the service listens on inside the container, 1 to
	// 65535 (0: not a service). A docker target needs it.
	Port int `yaml:"port"`
	// Vars are template variables (and a plain Dockerfile's build
	// arguments); numbers and booleans keep the text they are written as.
	Vars map[string]string `yaml:"vars"`
	// Secrets are the build secrets it needs, by name (lowercase letters,
	// digits and _); each value comes from BAKE_SECRET_<NAME> at build
	// time, never from bake.yaml.
	Secrets []string `yaml:"secrets"`
	Sandbox Sandbox  `yaml:"sandbox"` // how the image runs in its sandbox
	// Checks run in the sandbox at release time; the first http check is
	// also what a deployment waits for before switching traffic.
	Checks []Check `yaml:"checks"`
	// Platforms are the platforms (linux/ARCH[/VARIANT]) the image is built
	// for, as one index, by a buildkitd; none builds the builder's own
	// platform only.
	Platforms []string `yaml:"platforms"`
	// PlatformsAt is where bake.yaml sets platforms, for a problem found
	// with them later (the builder cannot build them): Msg is empty.
	PlatformsAt Error `yaml:"-"`
}

// Sandbox says how an image runs in its sandbox.
type Sandbox struct {
	// ReadOnly runs it with a read-only root filesystem (and a private /tmp);
	// true unless the image must write elsewhere.
	ReadOnly bool `yaml:"read_only" default:"true"`
	// Subnet is the subnet of an AMI image's sandbox instance ("" for the
	// default VPC's).
	Subnet string `yaml:"subnet"`
	// InstanceType is the instance type of an AMI image's sandbox instance.
	InstanceType string `yaml:"instance_type" default:"t3.micro"`
	// InstanceProfile names the IAM instance profile of an AMI image's
	// sandbox instance: what lets its SSM agent register, so checks can run.
	InstanceProfile string `yaml:"instance_profile"`
	// At locates subnet and instance_type in bake.yaml, by key (those set
	// only), for problems EC2 finds with them later.
	At map[string]Error `yaml:"-"`
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

// Check is one sandbox check. Exactly one of HTTP, TCP, Command and User
// is set. String fields may use {{ .Version }}, {{ .Image }} and
// {{ .Vars.NAME }}.
type Check struct {
	Name    string        `yaml:"name" bake:"required"`  // unique within the image
	HTTP    *HTTPCheck    `yaml:"http" bake:"one-of"`    // asks a URL of the service
	TCP     *TCPCheck     `yaml:"tcp" bake:"one-of"`     // connects to a port of the service
	Command *CommandCheck `yaml:"command" bake:"one-of"` // runs a command inside the container
	User    *UserCheck    `yaml:"user" bake:"one-of"`    // reads the user the image runs as from its config
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
	Port    int           `yaml:"port"`                  // container port; defaults to the image's port
	Path    string        `yaml:"path" default:"/"`      // the path asked for
	Status  int           `yaml:"status" default:"200"`  // the status expected
	Body    string        `yaml:"body"`                  // regular expression the body must match ("" for any)
	Timeout time.Duration `yaml:"timeout" default:"30s"` // deadline for all retries
}

// TCPCheck connects to a port until it accepts or the timeout passes.
type TCPCheck struct {
	Port    int           `yaml:"port"`                  // container port; defaults to the image's port
	Timeout time.Duration `yaml:"timeout" default:"30s"` // deadline for all tries
}

// UserCheck asserts which user the image runs as, from its config.
type UserCheck struct {
	NotRoot bool   `yaml:"not_root"` // the image must not run as root (nor as an unset user, which is root)
	Name    string `yaml:"name"`     // the exact user (and group) the image must run as, such as "65534:65534"; "" for any
}

// CommandCheck runs a command inside the container.
type CommandCheck struct {
	Argv     []string      `yaml:"argv" bake:"required"`  // the command and its arguments; each may use template actions
	ExitCode int           `yaml:"exit" default:"0"`      // expected exit code, 0 to 255
	Stdout   string        `yaml:"stdout"`                // regular expression stdout must match ("" for any)
	Timeout  time.Duration `yaml:"timeout" default:"30s"` // deadline for the command
}

// Environment is one stage of the promotion path.
type Environment struct {
	Name string `yaml:"name" bake:"required"` // unique; lowercase letters, digits and hyphens
	// Protected asks before a promote or rollback changes what the
	// environment runs (on a terminal; elsewhere it needs --yes).
	Protected bool               `yaml:"protected" default:"false"`
	Gates     Gates              `yaml:"gates"`     // what a release must have done before it enters
	Retention Retention          `yaml:"retention"` // what the environment keeps for rollbacks
	Targets   map[string]*Target `yaml:"targets"`   // how each image runs here, by image name
	// Registry is where the environment's targets pull releases from (a
	// production account's own registry), written as the project's
	// registry is; nil (left out) for the project's. A promotion copies a release
	// there by digest before deploying it.
	Registry *Registry `yaml:"registry"`
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
	// Previous is what happens to the replicas of the release a deployment
	// replaces: warm (kept running out of traffic), stopped, or removed.
	Previous string `yaml:"previous" default:"stopped" bake:"enum=warm|stopped|removed"`
	Releases int    `yaml:"releases" default:"3"` // rollback candidates `bake gc` keeps, besides the running release
}

// Deployment strategies of the docker target.
const (
	BlueGreen = "blue-green" // start every new replica, then switch traffic in one step
	Rolling   = "rolling"    // replace one replica at a time, each health-gated
	Canary    = "canary"     // new replicas beside the old, a growing share of requests, decided by analysis
)

// Gates are what a release must have done before it enters an environment,
// beyond the rules that always hold: validated, never revoked, and (after
// the first environment) succeeded in the environment before.
type Gates struct {
	Approval bool          `yaml:"approval"` // someone ran `bake approve IMAGE@VERSION --env ENV`
	Soak     time.Duration `yaml:"soak"`     // it has run in the environment before for at least this long
}

// Target types.
const (
	TargetDocker = "docker" // replica containers on the local engine behind a Caddy front door
	TargetASG    = "asg"    // an EC2 Auto Scaling group per release behind load-balancer target groups
	// TargetKubernetes is a Deployment per release behind the environment's Service.
	TargetKubernetes = "kubernetes"
	TargetECS        = "ecs" // an ECS service per release behind a load balancer listener
)

// Target says how an image runs in an environment.
type Target struct {
	// Type is the kind of target: docker (replica containers behind a
	// front door), asg (an Auto Scaling group per release behind
	// load-balancer target groups), kubernetes (a Deployment per release
	// behind a Service) or ecs (an ECS service per release behind a load
	// balancer listener).
	Type     string `yaml:"type" default:"docker" bake:"enum=docker|asg|kubernetes|ecs"`
	Replicas int    `yaml:"replicas" default:"1"` // how many replicas run, 1 to 20; for asg, the group's size
	// Listen is the 127.0.0.1:PORT where the front door serves this image
	// in this environment: unique, not the registry's or front door's.
	Listen        string        `yaml:"listen" bake:"required,when=type:docker"`
	HealthTimeout time.Duration `yaml:"health_timeout" default:"60s"` // how long new replicas have to pass the health check
	// Strategy is how a deployment replaces replicas: blue-green (start
	// every new replica, then switch traffic in one step), rolling
	// (replace one replica at a time, each health-gated) or canary (start
	// the new replicas beside the old and send them a growing share of
	// requests, step by step, while analysis compares the two). On
	// kubernetes, rolling is the Deployment's own rolling update; ecs is
	// blue-green only.
	Strategy   string `yaml:"strategy" default:"blue-green" bake:"enum=blue-green|rolling|canary,when=type:docker|kubernetes|ecs"`
	MinHealthy int    `yaml:"min_healthy" bake:"when=type:docker"` // rolling: healthy replicas in traffic never fewer than this; defaults to replicas
	// Steps are a canary's steps, 1 to 10, each a share of requests held
	// for a while; after the last, all requests go to the new release.
	Steps []CanaryStep `yaml:"steps" bake:"required,when=type:docker|kubernetes,with=strategy:canary"`
	// Analysis is how each step of a canary is judged (left out: every
	// default below). A kubernetes target has no front door to measure:
	// its canary needs prometheus and queries, and only those and interval.
	Analysis *Analysis     `yaml:"analysis" bake:"when=type:docker|kubernetes,with=strategy:canary"`
	Watch    time.Duration `yaml:"watch"`                        // after the switch, how long health is watched (and a failure switched back) before the old release is retired; none by default
	ASG      *ASG          `yaml:",inline" bake:"when=type:asg"` // set for TargetASG
	// Kubernetes is set for TargetKubernetes.
	Kubernetes *Kubernetes `yaml:",inline" bake:"when=type:kubernetes"`
	ECS        *ECS        `yaml:",inline" bake:"when=type:ecs"` // set for TargetECS
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
