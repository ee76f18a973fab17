package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/bakehq/bake/internal/artifact"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/cst"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/probe"
	"github.com/bakehq/bake/internal/steps"
)

// Defaults of the EC2 sandbox's deadlines.
const (
	// DefaultBootTimeout bounds the wait for the instance to run and pass
	// both EC2 status checks (usually 2-4 minutes on AWS).
	DefaultBootTimeout = 10 * time.Minute
	// DefaultRegisterTimeout bounds how long a command is offered to SSM
	// while the instance's agent has not registered yet.
	DefaultRegisterTimeout = 5 * time.Minute
)

// EC2API is what the EC2 sandbox asks of EC2; *ec2.Client has it.
type EC2API interface {
	RunInstances(context.Context, *ec2.RunInstancesInput, ...func(*ec2.Options)) (*ec2.RunInstancesOutput, error)
	TerminateInstances(context.Context, *ec2.TerminateInstancesInput, ...func(*ec2.Options)) (*ec2.TerminateInstancesOutput, error)
	ec2.DescribeInstancesAPIClient
	ec2.DescribeInstanceStatusAPIClient
	SecurityGroupAPI
}

// SSMAPI is what the EC2 sandbox asks of SSM; *ssm.Client has it.
type SSMAPI interface {
	SendCommand(context.Context, *ssm.SendCommandInput, ...func(*ssm.Options)) (*ssm.SendCommandOutput, error)
	ssm.GetCommandInvocationAPIClient
}

// EC2 validates AMIs: it launches one instance from the AMI, runs the
// image's command checks on it through SSM Run Command and always
// terminates it.
type EC2 struct {
	EC2       EC2API
	SSM       SSMAPI
	Region    string // the region of both clients: the AMI of this region is the one launched
	Project   string
	Operation string
	Progress  io.Writer // one line per step and per check; may be nil
	// BootTimeout and RegisterTimeout default to DefaultBootTimeout and
	// DefaultRegisterTimeout.
	BootTimeout     time.Duration
	RegisterTimeout time.Duration
}

// AMISubject is the AMI release under test.
type AMISubject struct {
	Image   *config.Image
	AMIs    map[string]string // by region, as recorded
	Version string
}

// Validate runs the image's checks against the subject's AMI in s.Region
// and returns their results. Only command checks run on the instance:
// http, tcp and user checks, and a container-structure-test file, are
// recorded as failed with why they cannot run on EC2, so that a release is
// never validated on checks that did not run. The instance is launched
// only when there is a command check. A failed check is a result, not an
// error; the error reports a sandbox that could not run (no AMI in the
// region, launch refused, no status ok or no SSM within their deadlines,
// cancelled) or an instance that could not be terminated. The instance is
// terminated, and waited for, in every case.
func (s *EC2) Validate(ctx context.Context, subj AMISubject) ([]ledger.CheckResult, error) {
	ami, ok := subj.AMIs[s.Region]
	if !ok {
		return nil, fmt.Errorf("no AMI in %q, the region bake validates in (the release has %s)", s.Region, artifact.AMIList(subj.AMIs))
	}
	run := &ec2Run{sandbox: s, subject: subj, ami: ami, results: results{progress: s.Progress},
		data: probe.Data{Image: subj.Image.Name, Version: subj.Version, Vars: subj.Image.Vars}}
	var list []multistep.Step
	if hasCommand(subj.Image) {
		list = append(list, &stepSecurityGroup{run: run}, &stepLaunchInstance{run: run}, steps.Func(run.waitForStatusOK))
	}
	list = append(list, steps.Func(run.checks))
	err := steps.Run(ctx, list...)
	return run.list, errors.Join(err, run.cleanupErr)
}

// ec2Run is the state one EC2 validation shares between its steps.
type ec2Run struct {
	sandbox    *EC2
	subject    AMISubject
	ami        string
	data       probe.Data
	groupID    string // the instance's security group, set once made
	instanceID string // set once launched
	cleanupErr error  // an instance that could not be terminated
	results
}

func (r *ec2Run) say(format string, args ...any) {
	if r.sandbox.Progress != nil {
		fmt.Fprintf(r.sandbox.Progress, format+"\n", args...)
	}
}

// checks runs the command checks on the instance and records every other
// check as not run, in the image's order.
func (r *ec2Run) checks(ctx context.Context) error {
	for _, c := range r.subject.Image.Checks {
		start := time.Now()
		if c.Command == nil {
			r.record(ledger.CheckResult{Name: c.Name, Kind: c.Kind(), Detail: notRunOnEC2(c), Duration: time.Since(start)})
			continue
		}
		detail, passed, err := r.commandCheck(ctx, c)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			var unmanaged *ssmError
			if errors.As(err, &unmanaged) {
				// No check can run while SSM cannot run commands there.
				return err
			}
			detail, passed = err.Error(), false
		}
		r.record(ledger.CheckResult{Name: c.Name, Kind: "command", Passed: passed, Detail: detail, Duration: time.Since(start)})
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if r.subject.Image.Context != "" {
		file := filepath.Join(r.subject.Image.Context, cst.FileName)
		if _, err := os.Stat(file); !errors.Is(err, fs.ErrNotExist) {
			r.record(ledger.CheckResult{Name: cst.FileName, Kind: "structure",
				Detail: "not run on EC2: container-structure-test reads container images, not AMIs; remove " + file + " or turn its tests into command checks"})
		}
	}
	return nil
}

// notRunOnEC2 says why a check that is not a command cannot run on the
// sandbox instance.
func notRunOnEC2(c config.Check) string {
	switch {
	case c.HTTP != nil:
		return fmt.Sprintf("not run on EC2: bake probes only 127.0.0.1 and cannot reach the private sandbox instance; "+
			"check the service from the instance instead, e.g. a command check `curl -fsS http://127.0.0.1:%d%s`", c.HTTP.Port, c.HTTP.Path)
	case c.TCP != nil:
		return fmt.Sprintf("not run on EC2: bake probes only 127.0.0.1 and cannot reach the private sandbox instance; "+
			"check the port from the instance instead, e.g. a command check `nc -z 127.0.0.1 %d`", c.TCP.Port)
	case c.User != nil:
		return "not run on EC2: an AMI has no image user to read, and SSM runs commands as root, so `id -u` would say 0 whatever the service runs as; " +
			"check the service's user with a command check, e.g. `ps -o user= -C NAME`"
	}
	return "not run on EC2"
}

// hasCommand reports whether any check runs on the instance.
func hasCommand(img *config.Image) bool {
	for _, c := range img.Checks {
		if c.Command != nil {
			return true
		}
	}
	return false
}
