package targets

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ErrInterrupted means bake was stopped (Ctrl-C, SIGTERM) while it waited
// for replicas to become healthy: nothing proved them unhealthy.
var ErrInterrupted = errors.New("interrupted")

// Interrupted is the error of a health wait that ctx's end cut short
// before what (for example "the replicas of app@1.2.0") was proven healthy.
// It wraps ErrInterrupted and ctx's error, never ErrUnhealthy.
func Interrupted(ctx context.Context, what string) error {
	return &interrupted{msg: fmt.Sprintf("%s %s before %s were proven healthy", ErrInterrupted, by(context.Cause(ctx)), what), ctx: ctx.Err()}
}

type interrupted struct {
	msg string
	ctx error
}

func (e *interrupted) Error() string   { return e.msg }
func (e *interrupted) Unwrap() []error { return []error{ErrInterrupted, e.ctx} }

// by names what ended a wait, as a user knows it.
func by(cause error) string {
	switch msg := fmt.Sprint(cause); {
	case strings.Contains(msg, "interrupt signal"):
		return "by Ctrl-C (SIGINT)"
	case strings.Contains(msg, "terminated signal"):
		return "by SIGTERM"
	case errors.Is(cause, context.DeadlineExceeded):
		return "by bake's deadline"
	default:
		return "(" + msg + ")"
	}
}

// InterruptedWhile is the error of a step other than a health wait that
// ctx's end cut short, such as "starting its replicas": one line in a
// person's words in place of the engine's request URL, which a cancelled
// request reports.
func InterruptedWhile(ctx context.Context, doing string) error {
	return &interrupted{msg: fmt.Sprintf("%s %s while %s", ErrInterrupted, by(context.Cause(ctx)), doing), ctx: ctx.Err()}
}
