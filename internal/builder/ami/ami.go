// Package ami bakes AWS machine images natively, with EC2 calls and no
// Packer: it launches a build instance from a source AMI whose user data
// runs the image's provisioning scripts and powers it off, images it,
// copies the image to other regions and shares it. Each stage is a
// multistep step whose cleanup removes what it made, so a failed,
// timed-out or interrupted bake leaves nothing behind in any region.
package ami

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/builder"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/secret"
	"github.com/bakehq/bake/internal/steps"
)

// Template is the file an AMI template directory holds.
const Template = "ami.yaml"

// Name is the builder's name in the ledger's provenance.
const Name = "ami"

// IsTemplate reports whether dir holds an ami.yaml: a native AMI recipe.
func IsTemplate(dir string) bool {
	if dir == "" { // a plain Dockerfile's image has no template directory
		return false
	}
	_, err := os.Stat(filepath.Join(dir, Template))
	return err == nil
}

// Builder bakes the AMI a template directory's ami.yaml describes.
type Builder struct {
	// AWS returns the clients of the build region; nil when bake runs without AWS.
	AWS func(ctx context.Context) (*awsx.Clients, error)
	// Poll is the shortest wait between two polls of a waiter; 0 leaves the
	// SDK's (15 s). Tests against a local server make it short.
	Poll time.Duration
	// BuildTimeout bounds how long the build instance has to run the scripts
	// and power itself off; 1 hour if zero. ami.yaml's timeout: overrides it.
	BuildTimeout time.Duration
	// ImageTimeout bounds each wait for an image (or a copy) to become
	// available; 1 hour if zero.
	ImageTimeout time.Duration
}

// prepareTimeout bounds the one AWS call Prepare makes (Prepare has no
// context of its caller to be cancelled with).
const prepareTimeout = time.Minute

// Prepare renders ami.yaml, resolves the source AMI and hashes the inputs.
// The source is resolved here, not when the job runs, because it is an
// input: a newer image matching the filters means a new build, and the job
// builds from exactly the image its digest names.
func (b *Builder) Prepare(s builder.Spec) (builder.Job, error) {
	if len(s.Image.Secrets) > 0 {
		// Refused, not attempted: EC2 user data is no place for a secret.
		return nil, fmt.Errorf("%w: image %q declares secrets (%s), but the native AMI builder hands its scripts and their env "+
			"to the build instance as EC2 user data, which the instance metadata service serves to any process on it and "+
			"DescribeInstanceAttribute to anyone allowed to call it: fetch the secret on the instance at run time, or bake "+
			"the AMI with a Packer template that declares it as a sensitive variable",
			secret.ErrInvalid, s.Image.Name, strings.Join(s.Image.Secrets, ", "))
	}
	file := filepath.Join(s.Image.Template, Template)
	rendered, err := builder.Render(s, Template)
	if err != nil {
		return nil, err
	}
	rec, err := parseRecipe(file, s.Image.Context, rendered)
	if err != nil {
		return nil, err
	}
	userData, err := provisioningScript(s, rec)
	if err != nil {
		return nil, err
	}
	if b.AWS == nil {
		return nil, fmt.Errorf("baking %s: an AMI needs AWS: set aws.region in bake.yaml or AWS_REGION", s.Image.Name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), prepareTimeout)
	defer cancel()
	clients, err := b.AWS(ctx)
	if err != nil {
		return nil, fmt.Errorf("baking %s: %w", s.Image.Name, err)
	}
	region := clients.Config.Region
	for _, r := range rec.Regions {
		if r == region {
			return nil, fmt.Errorf("%w: %s: regions: %s is the build region; list only the regions to copy the AMI to", builder.ErrTemplate, file, r)
		}
	}
	source, err := clients.EC2Check.Check(ctx, ec2Request(file, rec, s.Image))
	if err != nil {
		if errors.Is(err, builder.ErrTemplate) || errors.Is(err, config.ErrInvalid) {
			return nil, err
		}
		return nil, fmt.Errorf("baking %s: %s: %w", s.Image.Name, file, err)
	}
	contextDigest, err := builder.ContextDigest(s.Image.Context)
	if err != nil {
		return nil, err
	}
	template := builder.Digest(rendered)
	inputs := fmt.Sprintf("ami\ntemplate %s\ncontext %s\nregion %s\nsource %s\n", template, contextDigest, region, aws.ToString(source.ImageId))
	// The job's builder: this one, with the recipe's build timeout.
	jb := *b
	if rec.Timeout > 0 {
		jb.BuildTimeout = rec.Timeout
	}
	return &job{
		builder: &jb, spec: s, recipe: rec, clients: clients, source: source, userData: userData,
		inputs: builder.InputsDigest(s, []byte(inputs)), template: template,
	}, nil
}

type job struct {
	builder  *Builder
	spec     builder.Spec
	recipe   Recipe
	clients  *awsx.Clients
	source   types.Image // resolved by Prepare
	userData string
	inputs   string
	template string
}

func (j *job) InputsDigest() string { return j.inputs }

// Run bakes the AMI and returns its id in every region. On any failure,
// timeout or cancellation it leaves no instance, key pair, security group,
// AMI or snapshot of this bake in any region, and names whatever it could
// not remove.
func (j *job) Run(ctx context.Context) (builder.Built, error) {
	s := j.spec
	b := newBake(j)
	created := &stepCreateImage{b: b}
	copies := &stepCopyImage{b: b}
	err := steps.Run(ctx,
		&stepSourceAMI{b: b},
		&stepKeyPair{b: b},
		&stepSecurityGroup{b: b},
		&stepRunInstance{b: b},
		&stepWaitStopped{b: b},
		created,
		&stepWaitAvailable{b: b},
		copies,
		&stepShareImage{b: b},
	)
	if err != nil {
		// The cleanups removed the AMIs if they saw the run halted; a
		// cancellation that came after them must not leave one either.
		copies.discard()
		created.discard()
		err = fmt.Errorf("baking %s@%s as an AMI: %w", s.Image.Name, s.Version, err)
		return builder.Built{}, errors.Join(append([]error{err}, b.leftovers()...)...)
	}
	b.warnLeftovers()
	amis := map[string]string{b.region: b.imageID}
	for region, id := range b.copies {
		amis[region] = id
	}
	return builder.Built{AMIs: amis, InputsDigest: j.inputs, TemplateDigest: j.template, Builder: Name}, nil
}

// pollDelays are the shortest and longest waits between a waiter's polls:
// the SDK's own unless Poll is set.
func (b *Builder) pollDelays(sdkMin, sdkMax time.Duration) (time.Duration, time.Duration) {
	if b.Poll <= 0 {
		return sdkMin, sdkMax
	}
	return b.Poll, 10 * b.Poll
}

func (b *Builder) buildTimeout() time.Duration {
	if b.BuildTimeout <= 0 {
		return time.Hour
	}
	return b.BuildTimeout
}

func (b *Builder) imageTimeout() time.Duration {
	if b.ImageTimeout <= 0 {
		return time.Hour
	}
	return b.ImageTimeout
}
