package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// keptAlive sends requests to one front door over a single connection and
// reports whether each went over the connection used before.
type keptAlive struct {
	client *http.Client
}

func newKeptAlive() *keptAlive {
	return &keptAlive{client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil, MaxConnsPerHost: 1}}}
}

// post sends a POST (which no client sends again on its own) to url.
func (k *keptAlive) post(url string) (body string, reused bool, err error) {
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), http.MethodPost, url, strings.NewReader("ping"))
	if err != nil {
		return "", false, err
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return "", reused, err
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", reused, err
	}
	if resp.StatusCode != http.StatusOK {
		return "", reused, fmt.Errorf("status %d: %s", resp.StatusCode, data)
	}
	return string(data), reused, nil
}

// TestFrontDoorKeepsOtherRoutesConnections holds one kept-alive connection
// to dev's front door while qa's front door is created, switched and
// removed: every request goes over that same connection.
func TestFrontDoorKeepsOtherRoutesConnections(t *testing.T) {
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")
	p.release(t, "1.1.0")
	// Both releases succeed in dev first, so that qa may run either.
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
	mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")

	k := newKeptAlive()
	dev := p.url("dev", "/")
	body, _, err := k.post(dev)
	require.NoError(t, err)
	require.Equal(t, "svc 1.1.0\n", body)

	steps := []struct {
		name   string
		change func()
	}{
		{"qa's front door created", func() { mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "qa") }},
		{"qa switched", func() { mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "qa") }},
		{"qa's front door removed", func() {
			require.NoError(t, removeRoutes(context.Background(), []string{fmt.Sprintf("bake-%s-qa-svc", p.Name)}))
		}},
	}
	for _, s := range steps {
		s.change()
		body, reused, err := k.post(dev)
		require.NoError(t, err, s.name)
		assert.True(t, reused, "%s: dev's front door closed the kept-alive connection", s.name)
		assert.Equal(t, "svc 1.1.0\n", body, s.name)
	}
}

// drained is the line a promote prints once the replaced replicas have no
// request in flight.
var drained = regexp.MustCompile(`drained the old replicas in ([0-9.]+)(ms|s)`)

// TestPromoteDrainsRequestsInFlight promotes while a slow request is in
// flight on the release being replaced: the request finishes with 200
// before the old replicas stop, and the promote waits for it and no longer.
func TestPromoteDrainsRequestsInFlight(t *testing.T) {
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")
	p.release(t, "1.1.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")

	// Longer than the fixed 2 s an earlier bake waited before stopping.
	const slow = 3500 * time.Millisecond
	type answer struct {
		body string
		err  error
		at   time.Time
	}
	done := make(chan answer, 1)
	go func() {
		client := &http.Client{Timeout: 30 * time.Second}
		resp, err := client.Get(p.url("dev", fmt.Sprintf("/slow?ms=%d", slow.Milliseconds())))
		if err != nil {
			done <- answer{err: err, at: time.Now()}
			return
		}
		defer func() { _ = resp.Body.Close() }()
		data, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("status %d: %s", resp.StatusCode, data)
		}
		done <- answer{body: string(data), err: err, at: time.Now()}
	}()
	time.Sleep(300 * time.Millisecond)
	res := mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")
	returned := time.Now()
	a := <-done
	require.NoError(t, a.err, "the request in flight during the promote")
	assert.Equal(t, "svc 1.0.0 slow\n", a.body)
	assert.False(t, a.at.After(returned), "the promote returned before the request in flight finished")
	assert.Regexp(t, drained, res.stderr)

	// With nothing in flight, the drain is over at once.
	res = mustBake(t, p.Dir, "rollback", "svc", "--env", "dev", "--yes")
	m := drained.FindStringSubmatch(res.stderr)
	require.NotNil(t, m, res.stderr)
	assert.Equal(t, "ms", m[2], "an idle drain takes milliseconds: %s", m[0])
	assertServes(t, p, "dev", "1.0.0")
}
