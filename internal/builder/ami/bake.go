package ami

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/cenkalti/backoff/v5"
	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/builder"
	"github.com/bakehq/bake/internal/engine"
)

// Tags on what an AMI build creates, besides engine's operation, kind,
// created, project and image.
const (
	TagInputsDigest = "dev.bake.inputs-digest"
	TagGitCommit    = "dev.bake.git-commit"
	TagVersion      = engine.LabelVersion

	// KindBuild marks the temporary resources of a build: the instance,
	// its key pair and security group.
	KindBuild = "ami-build"
	// KindAMI marks the AMIs (and their snapshots) a build makes.
	KindAMI = "ami"
)

// Timeouts of the calls that create something and of each cleanup. A call
// that creates a resource runs to its answer even when the bake is
// cancelled, so its answer names what it made and the cleanup can remove it.
const (
	createTimeout    = 2 * time.Minute
	cleanupTimeout   = 5 * time.Minute
	terminateTimeout = 10 * time.Minute
)

// bake is what the steps of one AMI build share: its inputs, and the
// resources the steps made for the steps after them.
type bake struct {
	job      *job
	spec     builder.Spec
	recipe   Recipe
	clients  *awsx.Clients
	ec2      ec2API // of the build region
	region   string
	op       string // operation id
	name     string // of the temporary resources: bake-PROJECT-IMAGE-OP
	amiName  string
	created  time.Time
	progress io.Writer

	// What the steps made, for the steps after them.
	source     types.Image
	keyName    string
	groupID    string
	instanceID string
	imageID    string
	copies     map[string]string // region -> AMI id, filled by stepCopyImage

	mu   sync.Mutex
	left []error // resources a cleanup could not remove
}

func newBake(j *job) *bake {
	s := j.spec
	op := s.OperationID
	if op == "" {
		op = engine.NewOperationID()
	}
	short := op
	if len(short) > 8 {
		short = short[:8]
	}
	progress := s.Progress
	if progress == nil {
		progress = io.Discard
	}
	return &bake{
		job: j, spec: s, recipe: j.recipe, clients: j.clients, ec2: j.clients.EC2, region: j.clients.Config.Region,
		op: op, name: "bake-" + s.Project + "-" + s.Image.Name + "-" + op,
		amiName: amiName(s.Project + "-" + s.Image.Name + "-" + s.Version + "-" + short),
		created: time.Now().UTC(), progress: progress, source: j.source,
	}
}

// amiUnsafe is what an AMI name may not hold (it allows letters, digits,
// spaces and ()[]./-'@_), such as the + of a semver build.
var amiUnsafe = regexp.MustCompile(`[^A-Za-z0-9 ()\[\]./\-'@_]`)

func amiName(s string) string {
	s = amiUnsafe.ReplaceAllString(s, "_")
	if len(s) > 128 {
		s = s[len(s)-128:]
	}
	return s
}

func (b *bake) say(format string, args ...any) {
	fmt.Fprintf(b.progress, format+"\n", args...)
}

// tags are bake's tags for a resource of kind, with extra ones, sorted by key.
func (b *bake) tags(kind string, extra map[string]string) []types.Tag {
	l := map[string]string{
		engine.LabelOperation: b.op,
		engine.LabelKind:      kind,
		engine.LabelCreated:   b.created.Format(time.RFC3339),
		engine.LabelProject:   b.spec.Project,
		engine.LabelImage:     b.spec.Image.Name,
	}
	for k, v := range extra {
		l[k] = v
	}
	return awsx.EC2Tags(l)
}

// imageTags are the tags of the AMI and of each copy: what the ledger
// records about the release, readable in the console.
func (b *bake) imageTags() []types.Tag {
	extra := map[string]string{
		"Name":                     b.amiName,
		TagVersion:                 b.spec.Version,
		TagInputsDigest:            b.job.inputs,
		"dev.bake.template-digest": b.job.template,
		"dev.bake.builder":         Name + " " + builder.Version,
		"dev.bake.source-ami":      aws.ToString(b.source.ImageId),
	}
	if b.spec.GitCommit != "" {
		extra[TagGitCommit] = b.spec.GitCommit
	}
	return b.tags(KindAMI, extra)
}

func tagSpec(resource types.ResourceType, tags []types.Tag) []types.TagSpecification {
	return []types.TagSpecification{{ResourceType: resource, Tags: tags}}
}

// leftover records a resource a cleanup could not remove, and says so.
func (b *bake) leftover(what string, err error) {
	err = fmt.Errorf("could not remove %s: %w", what, err)
	b.say("%v", err)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.left = append(b.left, err)
}

// leftovers are the errors of the cleanups that failed, with a hint.
func (b *bake) leftovers() []error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.left) == 0 {
		return nil
	}
	return append(append([]error{}, b.left...), fmt.Errorf("every resource of this bake is tagged %s=%s", engine.LabelOperation, b.op))
}

// warnLeftovers says what a successful bake could not clean up; the AMIs
// are fine, so the bake does not fail for it.
func (b *bake) warnLeftovers() {
	if left := b.leftovers(); left != nil {
		b.say("warning: the AMI is built, but %v", errors.Join(left...))
	}
}

// halted reports whether the run stopped before its last step: a step
// failed or the bake was cancelled. Cleanups then remove the AMIs too.
func halted(state multistep.StateBag) bool {
	_, cancelled := state.GetOk(multistep.StateCancelled)
	_, failed := state.GetOk(multistep.StateHalted)
	return cancelled || failed
}

// createContext is the context of a call that creates a resource: it is not
// cancelled with the bake, so the answer names what the call made.
func createContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), createTimeout)
}

// cleanupContext is the context of a cleanup: a fresh one, since the bake's
// may be cancelled already.
func cleanupContext(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// mayHaveMade reports whether a create call that failed with err may have
// made its resource anyway: unless EC2 refused the request (a 4xx answer),
// the request may have been carried out without its answer arriving.
func mayHaveMade(err error) bool {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode() >= 500
	}
	return true
}

// apiCode is the AWS error code of err, or "".
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// retryWhile calls op until it succeeds, fails with an error whose code is
// not one of codes, or ctx ends: for deletes AWS refuses while a resource
// being removed still holds the thing (DependencyViolation).
func retryWhile(ctx context.Context, op func(ctx context.Context) error, codes ...string) error {
	bo := backoff.NewExponentialBackOff()
	bo.InitialInterval, bo.MaxInterval = time.Second, 15*time.Second
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		err := op(ctx)
		if err != nil && !slices.Contains(codes, apiCode(err)) {
			return struct{}{}, backoff.Permanent(err)
		}
		return struct{}{}, err
	}, backoff.WithBackOff(bo), backoff.WithMaxElapsedTime(0))
	return err
}
