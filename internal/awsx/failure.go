package awsx

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/bakehq/bake/internal/dialerr"
)

// ErrEndpoint means an AWS endpoint could not be reached, or answered
// with a server error, on every attempt the retryer made.
var ErrEndpoint = errors.New("AWS endpoint failed")

// EndpointError says which AWS endpoint failed a call, how, and what to
// do, in place of the SDK's transport details.
type EndpointError struct {
	Endpoint string // scheme://host of the request
	Status   int    // the HTTP status it answered; 0 when no answer came
	Reason   string // why no answer came: "connection refused", ...
	Attempts int    // how many times the call was tried; 0 if unknown
}

func (e *EndpointError) Error() string {
	tries := ""
	if e.Attempts > 0 {
		tries = fmt.Sprintf(" after %d attempts", e.Attempts)
	}
	if e.Status == 0 {
		return fmt.Sprintf("AWS endpoint %s is unreachable (%s)%s: check the endpoint and the network, then run the same command again",
			e.Endpoint, e.Reason, tries)
	}
	return fmt.Sprintf("AWS endpoint %s answered %d %s%s: the service is failing; run the same command again once it recovers",
		e.Endpoint, e.Status, http.StatusText(e.Status), tries)
}

// Is makes errors.Is(err, ErrEndpoint) hold.
func (e *EndpointError) Is(target error) bool { return target == ErrEndpoint }

// explainFailures replaces, once the retryer has given up, an error of the
// transport (no connection, or a 5xx answer) with an *EndpointError. It
// runs first in the stack, so that it sees the retryer's final error. API
// errors (a missing resource, a refused request) pass unchanged. When the
// caller's deadline ended the retries, the last attempt's failure says
// why: not the SDK's "request canceled, context deadline exceeded". A
// cancelled call (an interrupted run) stays as it is.
func explainFailures(stack *middleware.Stack) error {
	if err := stack.Initialize.Add(middleware.InitializeMiddlewareFunc("bakeExplainFailures",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			last := &attempts{}
			out, md, err := next.HandleInitialize(context.WithValue(ctx, attemptsKey{}, last), in)
			if err == nil || errors.Is(ctx.Err(), context.Canceled) {
				return out, md, err
			}
			explained := endpointError(err)
			if explained == nil && ctx.Err() != nil && last.err != nil {
				if explained = endpointError(last.err); explained != nil {
					explained.Attempts = last.n
				}
			}
			if explained != nil {
				err = explained
			}
			return out, md, err
		}), middleware.Before); err != nil {
		return err
	}
	// After the retryer: each attempt's failure, for the one above.
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("bakeLastAttempt",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleFinalize(ctx, in)
			if last, ok := ctx.Value(attemptsKey{}).(*attempts); ok {
				last.n++
				if err != nil {
					last.err = err
				}
			}
			return out, md, err
		}), middleware.After)
}

// attempts are how many times a call was tried, and its last failure.
type attempts struct {
	n   int
	err error
}

type attemptsKey struct{}

// endpointError returns the *EndpointError err amounts to, or nil.
func endpointError(err error) *EndpointError {
	e := &EndpointError{}
	var send *smithyhttp.RequestSendError
	var resp *smithyhttp.ResponseError
	switch {
	case errors.As(err, &send):
		var u *url.Error
		if !errors.As(send.Err, &u) {
			return nil
		}
		parsed, perr := url.Parse(u.URL)
		if perr != nil {
			return nil
		}
		e.Endpoint, e.Reason = endpoint(parsed), connectionReason(send.Err)
	case errors.As(err, &resp) && resp.Response != nil && resp.Response.StatusCode >= 500:
		e.Status = resp.Response.StatusCode
		if resp.Response.Request != nil {
			e.Endpoint = endpoint(resp.Response.Request.URL)
		}
	default:
		return nil
	}
	var attempts *retry.MaxAttemptsError
	if errors.As(err, &attempts) {
		e.Attempts = attempts.Attempt
	}
	return e
}

func endpoint(u *url.URL) string {
	if u == nil {
		return "(unknown)"
	}
	return u.Scheme + "://" + u.Host
}

// connectionReason says in a few words why no answer came.
func connectionReason(err error) string {
	if reason, ok := dialerr.Reason(err); ok {
		return reason
	}
	return "no answer"
}
