package sandbox

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	"github.com/cenkalti/backoff/v5"

	"github.com/bakehq/bake/internal/config"
)

// ssmDeliveryMargin is how much longer than a check's own timeout bake
// waits for SSM's answer: delivery to the agent and the polls themselves.
const ssmDeliveryMargin = 2 * time.Minute

// ssmError means SSM cannot run commands on the sandbox instance at all
// (the agent never registered, no permission): validation stops with an
// error instead of recording every check as failed.
type ssmError struct{ err error }

func (e *ssmError) Error() string { return e.err.Error() }
func (e *ssmError) Unwrap() error { return e.err }

// commandCheck runs one command check on the instance through SSM Run
// Command and compares its exit code and stdout with what the check asks,
// as the docker sandbox does.
func (r *ec2Run) commandCheck(ctx context.Context, c config.Check) (string, bool, error) {
	argv, want, err := renderCommand(r.data, c.Command)
	if err != nil {
		return "", false, err
	}
	cmd := shellJoin(argv)
	commandID, err := r.send(ctx, c, cmd)
	if err != nil {
		return "", false, err
	}
	inv, status, err := r.await(ctx, commandID, c.Command.Timeout+ssmDeliveryMargin)
	if err != nil {
		return "", false, err
	}
	if inv == nil {
		return fmt.Sprintf("%q: no result from SSM within %s (last status %s)", cmd, c.Command.Timeout+ssmDeliveryMargin, status), false, nil
	}
	detail, passed := ssmVerdict(cmd, c.Command, want, inv)
	return detail, passed, nil
}

// send offers the command to SSM, retrying while the instance's agent has
// not registered yet (SSM answers InvalidInstanceId until it has).
func (r *ec2Run) send(ctx context.Context, c config.Check, cmd string) (string, error) {
	s := r.sandbox
	wait := s.RegisterTimeout
	if wait <= 0 {
		wait = DefaultRegisterTimeout
	}
	comment := fmt.Sprintf("bake check %q of %s@%s", c.Name, r.subject.Image.Name, r.subject.Version)
	if len(comment) > 100 {
		comment = comment[:100]
	}
	in := &ssm.SendCommandInput{
		DocumentName: aws.String("AWS-RunShellScript"),
		InstanceIds:  []string{r.instanceID},
		Comment:      aws.String(comment),
		Parameters: map[string][]string{
			"commands":         {cmd},
			"executionTimeout": {strconv.Itoa(executionTimeout(c.Command.Timeout))},
		},
		TimeoutSeconds: aws.Int32(60), // to reach the agent; the command's own deadline is executionTimeout
	}
	out, err := backoff.Retry(ctx, func() (*ssm.SendCommandOutput, error) {
		out, err := s.SSM.SendCommand(ctx, in)
		if err != nil && !isAPIError(err, "InvalidInstanceId") {
			return nil, backoff.Permanent(err)
		}
		return out, err
	}, backoff.WithBackOff(backoff.NewConstantBackOff(5*time.Second)), backoff.WithMaxElapsedTime(wait))
	switch {
	case ctx.Err() != nil:
		return "", ctx.Err()
	case isAPIError(err, "InvalidInstanceId"):
		return "", &ssmError{fmt.Errorf("SSM does not manage sandbox instance %s after %s: the AMI must run the SSM agent, its subnet reach the SSM endpoints, "+
			"and the account have Default Host Management Configuration on (the instance has no instance profile): %w", r.instanceID, wait, err)}
	case err != nil:
		return "", &ssmError{fmt.Errorf("running %q on sandbox instance %s through SSM: %w", cmd, r.instanceID, err)}
	case out.Command == nil || out.Command.CommandId == nil:
		return "", &ssmError{fmt.Errorf("running %q on sandbox instance %s through SSM: no command id in the answer", cmd, r.instanceID)}
	}
	return aws.ToString(out.Command.CommandId), nil
}

// await polls the command's invocation until it reaches a terminal status
// and returns it, or nil and the last status seen if within maxWait it
// does not.
func (r *ec2Run) await(ctx context.Context, commandID string, maxWait time.Duration) (*ssm.GetCommandInvocationOutput, string, error) {
	status := "not reported"
	waiter := ssm.NewCommandExecutedWaiter(r.sandbox.SSM, func(o *ssm.CommandExecutedWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Second, 10*time.Second
		o.Retryable = func(_ context.Context, _ *ssm.GetCommandInvocationInput, out *ssm.GetCommandInvocationOutput, err error) (bool, error) {
			switch {
			case isAPIError(err, "InvocationDoesNotExist"):
				return true, nil // SSM has not made the invocation visible yet
			case err != nil:
				return false, err
			}
			status = string(out.Status)
			switch out.Status {
			case ssmtypes.CommandInvocationStatusPending, ssmtypes.CommandInvocationStatusInProgress,
				ssmtypes.CommandInvocationStatusDelayed, ssmtypes.CommandInvocationStatusCancelling:
				return true, nil
			}
			return false, nil
		}
	})
	inv, err := waiter.WaitForOutput(ctx, &ssm.GetCommandInvocationInput{CommandId: aws.String(commandID), InstanceId: aws.String(r.instanceID)}, maxWait)
	switch {
	case ctx.Err() != nil:
		return nil, status, ctx.Err()
	case err == nil:
		return inv, status, nil
	case isWaiterTimeout(err) || errors.Is(err, context.DeadlineExceeded):
		return nil, status, nil
	}
	return nil, status, &ssmError{fmt.Errorf("reading the result of SSM command %s on %s: %w", commandID, r.instanceID, err)}
}

// ssmVerdict compares an invocation SSM reports as finished with what the
// check asks. A stdout check never passes on output bake did not see: when
// SSM answers with no output at all (moto always does; AWS does for a
// command that prints nothing), it fails and says so.
func ssmVerdict(cmd string, c *config.CommandCheck, want *regexp.Regexp, inv *ssm.GetCommandInvocationOutput) (string, bool) {
	status := string(inv.Status)
	if d := aws.ToString(inv.StatusDetails); d != "" && d != status {
		status += " (" + d + ")"
	}
	code := int(inv.ResponseCode)
	switch {
	case inv.Status == ssmtypes.CommandInvocationStatusTimedOut:
		return fmt.Sprintf("%q: no exit within %s (SSM: %s)", cmd, c.Timeout, status), false
	case inv.Status != ssmtypes.CommandInvocationStatusSuccess && inv.Status != ssmtypes.CommandInvocationStatusFailed:
		return fmt.Sprintf("%q: SSM reports %s", cmd, status), false
	case code < 0:
		return fmt.Sprintf("%q: SSM reports %s with no exit code", cmd, status), false
	}
	stdout := aws.ToString(inv.StandardOutputContent)
	if code == c.ExitCode && want != nil && stdout == "" {
		return fmt.Sprintf("%q: expected stdout matching %q, but SSM returned no output (exit %d); "+
			"a stdout check passes only on output bake has seen", cmd, want.String(), code), false
	}
	return commandVerdict(cmd, c, want, code, stdout, aws.ToString(inv.StandardErrorContent))
}

// executionTimeout is the check's timeout in whole seconds, within what
// AWS-RunShellScript accepts (1 to 172800).
func executionTimeout(d time.Duration) int {
	s := int(math.Ceil(d.Seconds()))
	return min(max(s, 1), 172800)
}

// shellJoin quotes argv for sh so that the script SSM runs executes
// exactly that argv, as the docker sandbox does without a shell.
func shellJoin(argv []string) string {
	quoted := make([]string, len(argv))
	for i, a := range argv {
		quoted[i] = shellQuote(a)
		if i == 0 && shellReserved[a] {
			// A bare "if" or "time" would be the shell's, not a program.
			quoted[i] = "'" + a + "'"
		}
	}
	return strings.Join(quoted, " ")
}

// shellSafe are words sh takes literally anywhere ('=' is left out: a
// first word with one would be an assignment).
var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+:,./-]+$`)

var shellReserved = map[string]bool{
	"if": true, "then": true, "else": true, "elif": true, "fi": true, "do": true, "done": true,
	"case": true, "esac": true, "while": true, "until": true, "for": true, "in": true,
	"function": true, "select": true, "time": true,
}

func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func isAPIError(err error, code string) bool {
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == code
}
