package kubex

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/bakehq/bake/internal/dialerr"
)

// ErrUnreachable means a cluster's API server did not answer (package
// targets names it too: targets.ErrUnreachable).
var ErrUnreachable = errors.New("unreachable")

// Err says in one line that op ("listing the deployments of web in
// namespace \"shop-dev\"") failed against c's API server (Wrap).
func (c *Client) Err(op string, err error) error {
	if err == nil {
		return nil
	}
	return c.Wrap(fmt.Errorf("%s: %w", op, err))
}

// Wrap rewrites an error of a request to c's API server that got no
// answer: client-go's text of it (`Get "https://...?labelSelector=...":
// dial tcp ...`), the request's URL with its selectors encoded, becomes
// the API server and context by name, why, and what to do, and the error
// wraps ErrUnreachable. An answer (forbidden, invalid, conflict) is kept:
// its message is the API server's own, without a URL.
func (c *Client) Wrap(err error) error {
	var status apierrors.APIStatus
	var uerr *url.Error
	if err == nil || errors.As(err, &status) || errors.Is(err, context.Canceled) || !errors.As(err, &uerr) {
		return err
	}
	what := fmt.Sprintf("the Kubernetes API server %s (context %q) is unreachable (%s)", c.Server, c.Context, Reason(uerr.Err))
	msg := strings.Replace(err.Error(), uerr.Error(), what, 1)
	return &unreachable{msg: msg + ": start the cluster, or correct the target's kubeconfig or context, then run the same command again", err: err}
}

// unreachable is an API server that did not answer a request.
type unreachable struct {
	msg string
	err error
}

func (e *unreachable) Error() string   { return e.msg }
func (e *unreachable) Unwrap() []error { return []error{ErrUnreachable, e.err} }

// Reason says in a few words why no answer came: "connection refused",
// "its name does not resolve", "no answer in time".
func Reason(err error) string {
	if reason, ok := dialerr.Reason(err); ok {
		return reason
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err.Error()
	}
	return err.Error()
}
