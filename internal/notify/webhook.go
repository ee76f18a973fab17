package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Defaults for the zero Options fields.
const (
	DefaultTimeout         = 5 * time.Second
	DefaultMaxElapsed      = 30 * time.Second
	DefaultInitialInterval = 500 * time.Millisecond
	DefaultQueueSize       = 64
	DefaultUserAgent       = "bake"
)

// Options tune a Webhook; zero fields take the defaults above.
type Options struct {
	Secret          string        // if set, requests carry X-Bake-Signature (see Signature)
	Allow           Allow         // addresses besides public ones the receiver may have
	UserAgent       string        // User-Agent header
	Timeout         time.Duration // limit for one attempt
	MaxElapsed      time.Duration // limit for all attempts at one event
	InitialInterval time.Duration // wait before the first retry; later waits grow exponentially
	QueueSize       int           // events waiting to be sent; more are dropped with a warning
	// Warn is called once for each event that could not be delivered, with
	// one line saying what, where and why. Calls never overlap. Events still
	// queued when Close gives up are reported by Close's error instead.
	Warn func(string)
}

// Webhook delivers events to one URL from a background goroutine. A nil
// *Webhook is valid and does nothing, so callers need no checks when no
// webhook is configured.
type Webhook struct {
	url    string
	where  string // url without anything that may be secret, for messages
	urlErr error  // set when url cannot be used; every event then fails with it
	opts   Options
	client *http.Client

	mu     sync.Mutex // guards closed and sends on queue
	closed bool
	queue  chan Event

	ctx    context.Context // ended by Close to abort delivery
	cancel context.CancelCauseFunc
	done   chan struct{} // closed when the goroutine has finished with queue

	abandoned []string // events dropped because Close gave up, described; read after done
	cause     error    // why Close gave up; read after done
	lastErr   error    // the delivery error of the last event dropped, if it had one; read after done

	warnMu sync.Mutex
}

// New starts delivering events to rawURL. It returns nil, a valid no-op
// Webhook, when rawURL is empty. Close must be called to deliver what is queued.
func New(rawURL string, opts Options) *Webhook {
	rawURL = strings.TrimSpace(rawURL)
	if rawURL == "" {
		return nil
	}
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxElapsed <= 0 {
		opts.MaxElapsed = DefaultMaxElapsed
	}
	if opts.InitialInterval <= 0 {
		opts.InitialInterval = DefaultInitialInterval
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = DefaultQueueSize
	}
	w := &Webhook{url: rawURL, opts: opts, queue: make(chan Event, opts.QueueSize), done: make(chan struct{})}
	w.where, w.urlErr = redact(rawURL)
	if w.urlErr == nil {
		if err := CheckURL(rawURL, opts.Allow); err != nil {
			w.urlErr = fmt.Errorf("the webhook URL is refused: %w", err)
		}
	}
	w.client = newClient(opts.Allow, strings.HasPrefix(strings.ToLower(rawURL), "http:"))
	w.ctx, w.cancel = context.WithCancelCause(context.Background())
	go w.run()
	return w
}

// Send queues e and returns at once. It sets e.ID and e.At when they are
// empty. If the webhook is closed or its queue is full, e is dropped and
// Options.Warn is told.
func (w *Webhook) Send(e Event) {
	if w == nil {
		return
	}
	if e.ID == "" {
		e.ID = newID()
	}
	if e.At.IsZero() {
		e.At = time.Now()
	}
	e.At = e.At.UTC()

	var why string
	w.mu.Lock()
	if w.closed {
		why = "the webhook is already closed"
	} else {
		select {
		case w.queue <- e:
		default:
			why = fmt.Sprintf("the queue is full (%d waiting; the receiver is slow or down)", cap(w.queue))
		}
	}
	w.mu.Unlock()
	if why != "" {
		w.warn(fmt.Sprintf("webhook: %s dropped, not sent to %s: %s", describe(e), w.where, why))
	}
}

// Close stops accepting events and waits until every queued event has been
// delivered or given up. If ctx ends first, it aborts the request in flight
// and returns an error saying how many events were not delivered. Calling
// Close again waits the same way and returns the same result.
func (w *Webhook) Close(ctx context.Context) error {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.queue)
	}
	w.mu.Unlock()

	select {
	case <-w.done:
	case <-ctx.Done():
		w.cancel(context.Cause(ctx))
		<-w.done // prompt: the request in flight and the retry wait both watch w.ctx
	}
	w.cancel(context.Canceled)
	w.client.CloseIdleConnections()
	if n := len(w.abandoned); n > 0 {
		why := "bake stopped waiting for the receiver"
		if w.lastErr != nil {
			why = fmt.Sprintf("the receiver did not take it (%v), and bake stopped waiting", w.lastErr)
		}
		return fmt.Errorf("webhook %s: %d %s not delivered (%s): %s: %w", w.where, n, plural(n, "event", "events"),
			strings.Join(w.abandoned, ", "), why, w.cause)
	}
	return nil
}

// run delivers queued events one at a time, in order, until the queue is
// closed and empty. Once Close aborts, it only counts what is left.
func (w *Webhook) run() {
	defer close(w.done)
	for e := range w.queue {
		if w.ctx.Err() == nil {
			err := w.deliver(e)
			if err == nil {
				continue
			}
			if w.ctx.Err() == nil {
				w.warn(fmt.Sprintf("webhook: %s not delivered to %s: %v", describe(e), w.where, err))
				continue
			}
			if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
				w.lastErr = err
			}
		}
		w.abandoned = append(w.abandoned, describe(e))
		w.cause = context.Cause(w.ctx)
	}
}

// warn calls Options.Warn; a panic there must not take the goroutine down.
func (w *Webhook) warn(line string) {
	if w.opts.Warn == nil {
		return
	}
	w.warnMu.Lock()
	defer w.warnMu.Unlock()
	defer func() { _ = recover() }()
	w.opts.Warn(line)
}

// redact keeps the scheme and host of a webhook URL: its path and query
// often hold the receiver's token.
func redact(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "the webhook URL", fmt.Errorf("the webhook URL is not an http or https URL")
	}
	where := u.Scheme + "://" + u.Host
	if strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
		where += "/..."
	}
	return where, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
