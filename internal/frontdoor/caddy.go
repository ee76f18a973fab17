package frontdoor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// DefaultAdmin is the admin API address bake gives the Caddy it starts.
const DefaultAdmin = "127.0.0.1:2019"

// Caddy is a client for one Caddy front door, reached through its admin API.
type Caddy struct {
	// Admin is the admin API address, a loopback "IP:PORT" such as DefaultAdmin.
	Admin string
	// StateDir holds Caddy's autosaved config, its log, its pid file and the start lock.
	StateDir string
	// Binary is the caddy executable; empty means "caddy" from PATH.
	Binary string
	// HTTP sends the admin requests; nil means a client without keep-alives
	// (Caddy replaces its admin server on every config change).
	HTTP *http.Client
}

// adminClient is used when Caddy.HTTP is nil.
var adminClient = &http.Client{
	Timeout:   time.Minute,
	Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
}

// maxAdminBody bounds how much of an admin answer is read.
const maxAdminBody = 8 << 20

func (c *Caddy) client() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return adminClient
}

// call sends one admin API request with in (if not nil) as its JSON body and
// decodes a JSON answer into out (if not nil). It waits out the moment in
// which Caddy replaces its admin endpoint.
func (c *Caddy) call(ctx context.Context, method, path string, in, out any) error {
	return c.request(ctx, method, path, in, out, true)
}

func (c *Caddy) request(ctx context.Context, method, path string, in, out any, wait bool) error {
	if err := checkLoopback(c.Admin); err != nil {
		return fmt.Errorf("caddy admin address: %w", err)
	}
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encoding caddy admin %s %q: %w", method, path, err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+c.Admin+path, body)
	if err != nil {
		return fmt.Errorf("caddy admin %s %q: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	do := c.client().Do
	if wait {
		do = c.do
	}
	resp, err := do(req)
	if err != nil {
		return fmt.Errorf("caddy admin %s %q: %w", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAdminBody))
	if err != nil {
		return fmt.Errorf("reading caddy admin %s %q: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &adminError{Method: method, Path: path, Status: resp.StatusCode, Message: adminMessage(data)}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("decoding caddy admin %s %q: %w", method, path, err)
		}
	}
	return nil
}

// restartGap bounds how long a request waits for Caddy's admin endpoint to
// come back: Caddy replaces it after every config change, and a request
// that arrives in between finds the port closed or the connection reset.
const restartGap = 500 * time.Millisecond

// do sends req, again while the admin endpoint is being replaced. Every
// admin request bake sends sets a value or reads one, so sending it twice
// is harmless.
func (c *Caddy) do(req *http.Request) (*http.Response, error) {
	return backoff.Retry(req.Context(), func() (*http.Response, error) {
		r := req.Clone(req.Context())
		if req.GetBody != nil {
			b, err := req.GetBody()
			if err != nil {
				return nil, backoff.Permanent(err)
			}
			r.Body = b
		}
		resp, err := c.client().Do(r)
		if err != nil && !replacingAdmin(err) {
			return nil, backoff.Permanent(err)
		}
		return resp, err
	}, backoff.WithBackOff(backoff.NewConstantBackOff(25*time.Millisecond)), backoff.WithMaxElapsedTime(restartGap))
}

// replacingAdmin reports whether err looks like Caddy's admin endpoint
// being replaced: refused, reset, or closed before an answer.
func replacingAdmin(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF)
}

// adminMessage pulls the "error" field out of an admin error answer.
func adminMessage(data []byte) string {
	var answer struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(data, &answer) == nil && answer.Error != "" {
		return answer.Error
	}
	return strings.TrimSpace(string(data))
}

// hasStatus reports whether err is an admin answer with the given status.
func hasStatus(err error, status int) bool {
	var ae *adminError
	return errors.As(err, &ae) && ae.Status == status
}

// answers reports whether a Caddy admin API answers on c.Admin.
func (c *Caddy) answers(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	return c.request(ctx, http.MethodGet, "/config/", nil, nil, false) == nil
}
