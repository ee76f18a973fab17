package awsx

import (
	"errors"
	"net"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// refusedDelay is the wait before trying again a call whose connection was
// refused or whose endpoint's name did not resolve: an endpoint in that
// state rarely recovers within the SDK's backoff (up to 20 s a try), so
// bake tries as many times, but says so within seconds.
const refusedDelay = 200 * time.Millisecond

// fastRefusal is the SDK's retryer, but for a call that got no connection
// at all: it retries that one after refusedDelay, not after the backoff.
type fastRefusal struct {
	aws.RetryerV2
}

// RetryDelay is refusedDelay for a refused connection or an unresolved
// name, the standard backoff otherwise.
func (r fastRefusal) RetryDelay(attempt int, err error) (time.Duration, error) {
	if noConnection(err) {
		return refusedDelay, nil
	}
	return r.RetryerV2.RetryDelay(attempt, err)
}

// noConnection reports whether err is a connection refused, or a name that
// does not resolve.
func noConnection(err error) bool {
	var dns *net.DNSError
	return errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &dns)
}
