// Package probe asks a service whether it is healthy, retrying until a
// deadline, and says exactly what it expected and what it saw.
package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// ErrUnhealthy means the service never answered as expected before the deadline.
var ErrUnhealthy = errors.New("unhealthy")

// HTTPExpect is what a healthy answer looks like.
type HTTPExpect struct {
	Status  int
	Body    *regexp.Regexp // nil: any body
	Timeout time.Duration  // deadline for all tries
}

const requestTimeout = 5 * time.Second

// retryInterval is the pause between two tries: 20 ms at first, so a
// service that starts in a quarter of a second is seen within a few
// milliseconds, growing by half each try to 200 ms.
func retryInterval() backoff.BackOff {
	return &backoff.ExponentialBackOff{
		InitialInterval:     20 * time.Millisecond,
		RandomizationFactor: 0,
		Multiplier:          1.5,
		MaxInterval:         200 * time.Millisecond,
	}
}

// client never follows a redirect: the answer of the address probed is the
// check's answer. Following one would let a hostile service point bake at
// another host (the cloud metadata service, the front door's admin API) and
// have that host's answer judged and recorded in the ledger. No proxy
// either: the request goes to the address probed and nowhere else.
var client = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Transport:     &http.Transport{Proxy: nil},
}

// HTTP asks url until it answers as expected or the deadline passes. On
// success it returns a short description of the answer; otherwise an error
// wrapping ErrUnhealthy that names what was expected and the last answer seen.
func HTTP(ctx context.Context, url string, want HTTPExpect) (string, error) {
	start := time.Now()
	tries := 0
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		tries++
		// No single try may outlive the deadline by much.
		tryCtx, cancel := context.WithTimeout(ctx, min(requestTimeout, max(want.Timeout-time.Since(start), 100*time.Millisecond)))
		defer cancel()
		return struct{}{}, ask(tryCtx, url, want)
	}, backoff.WithBackOff(retryInterval()), backoff.WithMaxElapsedTime(want.Timeout))
	if err != nil {
		return "", fmt.Errorf("%w: GET %s: expected %s; %v (after %d tries in %s)",
			ErrUnhealthy, url, describe(want), err, tries, time.Since(start).Round(100*time.Millisecond))
	}
	return fmt.Sprintf("GET %s answered %d after %d tries in %s", url, want.Status, tries, time.Since(start).Round(10*time.Millisecond)), nil
}

func ask(ctx context.Context, url string, want HTTPExpect) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("got no answer: %v", unwrapURLError(err))
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if res.StatusCode != want.Status || (want.Body != nil && !want.Body.Match(body)) {
		if loc := res.Header.Get("Location"); loc != "" && res.StatusCode >= 300 && res.StatusCode < 400 {
			return fmt.Errorf("got %d %q, a redirect to %q (not followed)", res.StatusCode, clip(body), clip([]byte(loc)))
		}
		return fmt.Errorf("got %d %q", res.StatusCode, clip(body))
	}
	return nil
}

func describe(want HTTPExpect) string {
	if want.Body == nil {
		return fmt.Sprintf("status %d", want.Status)
	}
	return fmt.Sprintf("status %d and a body matching %q", want.Status, want.Body.String())
}

func unwrapURLError(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

func clip(b []byte) string {
	const max = 200
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}
