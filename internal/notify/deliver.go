package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v5"
)

const (
	maxInterval   = 10 * time.Second       // longest wait between retries
	maxRetryAfter = 10 * time.Second       // longest Retry-After honoured; longer is cut to this
	minAttempt    = 100 * time.Millisecond // shortest time one attempt is given
)

// deliver posts e until the receiver accepts it, refuses it, or
// Options.MaxElapsed passes. It never panics.
func (w *Webhook) deliver(e Event) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("delivery panicked: %v", r)
		}
	}()
	if w.urlErr != nil {
		return w.urlErr
	}
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encoding the event: %w", err)
	}

	b := backoff.NewExponentialBackOff()
	b.InitialInterval = w.opts.InitialInterval
	b.MaxInterval = maxInterval
	start := time.Now()
	tries, refused := 0, false
	var last error // the last attempt's error: Retry returns the context's once Close aborts
	_, err = backoff.Retry(w.ctx, func() (struct{}, error) {
		tries++
		// No attempt may run much past MaxElapsed.
		limit := min(w.opts.Timeout, max(w.opts.MaxElapsed-time.Since(start), minAttempt))
		ctx, cancel := context.WithTimeout(w.ctx, limit)
		defer cancel()
		err := w.post(ctx, e, body)
		if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && w.ctx.Err() == nil {
			err = fmt.Errorf("got no answer within %s", limit.Round(time.Millisecond))
		}
		var permanent *backoff.PermanentError
		refused = errors.As(err, &permanent)
		if err != nil && w.ctx.Err() == nil {
			last = err
		}
		return struct{}{}, err
	}, backoff.WithBackOff(b), backoff.WithMaxElapsedTime(w.opts.MaxElapsed))
	if err != nil && w.ctx.Err() != nil && last != nil {
		err = last
	}
	switch {
	case err == nil:
		return nil
	case refused:
		return fmt.Errorf("%w (refused, not retried)", err)
	default:
		return fmt.Errorf("%w (gave up after %d %s in %s)", err, tries, plural(tries, "try", "tries"), time.Since(start).Round(10*time.Millisecond))
	}
}

// post makes one attempt. Errors wrapped in backoff.Permanent are not retried.
func (w *Webhook) post(ctx context.Context, e Event, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return backoff.Permanent(fmt.Errorf("the webhook URL is not usable: %v", unwrap(err)))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", w.opts.UserAgent)
	req.Header.Set("X-Bake-Event", e.Type)
	req.Header.Set("X-Bake-Delivery", e.ID)
	// A fresh timestamp on every attempt: a retry stays inside the
	// receiver's window, and its delivery id tells the receiver it is one.
	stamp := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("X-Bake-Timestamp", stamp)
	if w.opts.Secret != "" {
		req.Header.Set("X-Bake-Signature", Signature(w.opts.Secret, stamp, e.ID, body))
	}
	res, err := w.client.Do(req)
	if errors.Is(err, ErrAddressRefused) {
		return backoff.Permanent(fmt.Errorf("not sent: %v", unwrap(err)))
	}
	if err != nil {
		return fmt.Errorf("got no answer: %v", unwrap(err))
	}
	defer res.Body.Close()
	// Reading the rest lets the connection be reused; the start says why a request failed.
	answer, _ := io.ReadAll(io.LimitReader(res.Body, 4<<10))
	got := fmt.Errorf("got %d %q", res.StatusCode, clip(answer))
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		return nil
	case res.StatusCode == http.StatusTooManyRequests:
		if d, ok := retryAfter(res.Header.Get("Retry-After"), time.Now()); ok {
			return &retryLater{got: got, after: backoff.RetryAfterError{Duration: d}}
		}
		return got
	case res.StatusCode >= 500:
		return got
	case res.StatusCode >= 300 && res.StatusCode < 400:
		return backoff.Permanent(fmt.Errorf("%w, a redirect (not followed: set notify.webhook to the URL that takes the events)", got))
	default:
		return backoff.Permanent(got)
	}
}

// retryLater is a 429 whose Retry-After backoff.Retry waits for instead of its own interval.
type retryLater struct {
	got   error
	after backoff.RetryAfterError
}

func (r *retryLater) Error() string {
	return fmt.Sprintf("%v, Retry-After %s", r.got, r.after.Duration)
}

func (r *retryLater) Unwrap() error { return &r.after }

// retryAfter parses a Retry-After header, seconds or an HTTP date, capped at maxRetryAfter.
func retryAfter(h string, now time.Time) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	var d time.Duration
	if s, err := strconv.Atoi(h); err == nil {
		if s < 0 {
			return 0, false
		}
		d = time.Duration(min(s, int(maxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = max(t.Sub(now), 0)
	} else {
		return 0, false
	}
	return min(d, maxRetryAfter), true
}

// unwrap drops the *url.Error layer, which repeats the URL (and any token in it).
func unwrap(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

// clip shortens a receiver's answer to one short line.
func clip(b []byte) string {
	const limit = 120
	s := strings.Join(strings.Fields(string(b)), " ")
	if r := []rune(s); len(r) > limit {
		return string(r[:limit]) + "..."
	}
	return s
}
