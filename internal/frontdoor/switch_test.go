package frontdoor

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// configDials returns the dial addresses of route id in Caddy's config.
func configDials(t *testing.T, c *Caddy, id string) []string {
	t.Helper()
	var ups []upstream
	require.NoError(t, c.call(t.Context(), http.MethodGet, "/id/"+id+"/upstreams", nil, &ups))
	return toDials(ups)
}

// autosave returns Caddy's autosaved config, which changes with every
// config change.
func autosave(t *testing.T, c *Caddy) (string, time.Time) {
	t.Helper()
	path := filepath.Join(c.StateDir, configDirName, "caddy", "autosave.json")
	info, err := os.Stat(path)
	require.NoError(t, err)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data), info.ModTime()
}

func TestSwitchRewritesFilesOnly(t *testing.T) {
	ctx := t.Context()
	c := newCaddy(t)
	require.NoError(t, c.Ensure(ctx))
	require.True(t, c.ReloadFree())
	a, b := backend(t, "a"), backend(t, "b")
	route := Route{ID: "bake-test-files", Listen: freeAddr(t)}
	dir := filepath.Join(c.StateDir, slotsDirName, route.ID)

	require.NoError(t, c.SetUpstreams(ctx, route, []string{a}))
	assert.Equal(t, "a", mustGet(t, route.Listen))
	assert.Equal(t, []string{"{file." + filepath.Join(dir, "0") + "}"}, configDials(t, c, route.ID))
	config, modified := autosave(t, c)

	require.NoError(t, c.SetUpstreams(ctx, route, []string{b}))
	assert.Equal(t, "b", mustGet(t, route.Listen))
	data, err := os.ReadFile(filepath.Join(dir, "0"))
	require.NoError(t, err)
	assert.Equal(t, b, string(data))
	ups, err := c.Upstreams(ctx, route.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{b}, ups)
	gotConfig, gotModified := autosave(t, c)
	assert.Equal(t, config, gotConfig)
	assert.Equal(t, modified, gotModified, "a switch must not change caddy's config")

	// Another replica count changes the config; a smaller one drops the
	// files no config names any more.
	require.NoError(t, c.SetUpstreams(ctx, route, []string{a, b}))
	assert.Len(t, configDials(t, c, route.ID), 2)
	bodies := map[string]bool{mustGet(t, route.Listen): true, mustGet(t, route.Listen): true}
	assert.Equal(t, map[string]bool{"a": true, "b": true}, bodies)
	require.NoError(t, c.SetUpstreams(ctx, route, []string{a}))
	assert.NoFileExists(t, filepath.Join(dir, "1"))
	ups, err = c.Upstreams(ctx, route.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{a}, ups)

	// A client without a state dir, as `bake status` makes, reads the files
	// the config names, and Remove finds them the same way.
	bare := &Caddy{Admin: c.Admin}
	assert.False(t, bare.ReloadFree())
	ups, err = bare.Upstreams(ctx, route.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{a}, ups)
	require.NoError(t, bare.Remove(ctx, route.ID))
	assert.NoDirExists(t, dir)
	_, err = c.Upstreams(ctx, route.ID)
	require.ErrorIs(t, err, ErrNoRoute)
}

// TestSwitchCaddyStartedElsewhere covers a Caddy that this state dir did not
// start: switches change the config, as before.
func TestSwitchCaddyStartedElsewhere(t *testing.T) {
	ctx := t.Context()
	started := newCaddy(t)
	require.NoError(t, started.Ensure(ctx))
	c := &Caddy{Admin: started.Admin, StateDir: t.TempDir()}
	require.NoError(t, c.Ensure(ctx))
	assert.False(t, c.ReloadFree())

	a, b := backend(t, "a"), backend(t, "b")
	route := Route{ID: "bake-test-elsewhere", Listen: freeAddr(t)}
	require.NoError(t, c.SetUpstreams(ctx, route, []string{a}))
	require.NoError(t, c.SetUpstreams(ctx, route, []string{b}))
	assert.Equal(t, []string{b}, configDials(t, c, route.ID))
	assert.Equal(t, "b", mustGet(t, route.Listen))
	assert.NoDirExists(t, filepath.Join(c.StateDir, slotsDirName))

	// The Caddy's own state dir switches it by files from now on.
	require.NoError(t, started.SetUpstreams(ctx, route, []string{a}))
	assert.Equal(t, "a", mustGet(t, route.Listen))
	_, modified := autosave(t, started)
	require.NoError(t, started.SetUpstreams(ctx, route, []string{b}))
	_, gotModified := autosave(t, started)
	assert.Equal(t, modified, gotModified)
	assert.Equal(t, "b", mustGet(t, route.Listen))
	require.NoError(t, c.Remove(ctx, route.ID))
	assert.NoDirExists(t, filepath.Join(started.StateDir, slotsDirName, route.ID))
}

// TestPostSwitchDropsNoRequests sends POST requests, which Go's client does
// not resend when a kept-alive connection closes under it, from several
// clients across 10 switches.
func TestPostSwitchDropsNoRequests(t *testing.T) {
	ctx := t.Context()
	c := newCaddy(t)
	require.NoError(t, c.Ensure(ctx))
	require.True(t, c.ReloadFree())
	echo := func(name string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, err := io.ReadAll(r.Body)
			if err != nil || r.Method != http.MethodPost || !strings.HasPrefix(string(body), "ping ") {
				http.Error(w, fmt.Sprintf("bad request %s %q %v", r.Method, body, err), http.StatusBadRequest)
				return
			}
			_, _ = io.WriteString(w, name)
		}))
		t.Cleanup(srv.Close)
		return srv.Listener.Addr().String()
	}
	a, b := echo("a"), echo("b")
	route := Route{ID: "bake-test-post", Listen: freeAddr(t)}
	require.NoError(t, c.SetUpstreams(ctx, route, []string{a}))

	const workers = 8
	client := &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: workers},
	}
	post := func(n int) (string, error) {
		resp, err := client.Post("http://"+route.Listen+"/", "text/plain", strings.NewReader(fmt.Sprintf("ping %d", n)))
		if err != nil {
			return "", err
		}
		defer func() { _ = resp.Body.Close() }()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return "", err
		}
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("status %d: %s", resp.StatusCode, body)
		}
		return string(body), nil
	}
	stop := make(chan struct{})
	loads := make([]<-chan loadResult, workers)
	for w := range loads {
		n := 0
		loads[w] = sendUntil(stop, 10*time.Second, func() (string, error) { n++; return post(n) })
	}
	for i := range 10 {
		time.Sleep(200 * time.Millisecond)
		next := a
		if i%2 == 0 {
			next = b
		}
		if !assert.NoError(t, c.SetUpstreams(ctx, route, []string{next})) {
			break
		}
	}
	time.Sleep(200 * time.Millisecond)
	close(stop)
	var total loadResult
	total.bodies = map[string]int{}
	for _, load := range loads {
		res := <-load
		total.sent += res.sent
		total.failures = append(total.failures, res.failures...)
		for k, v := range res.bodies {
			total.bodies[k] += v
		}
	}
	t.Logf("%d POST requests from %d clients during 10 switches: %v, %d failed", total.sent, workers, total.bodies, len(total.failures))
	if len(total.failures) > 5 {
		total.failures = total.failures[:5]
	}
	assert.Empty(t, total.failures)
	assert.Positive(t, total.bodies["a"])
	assert.Positive(t, total.bodies["b"])
}

func TestSlotDirRejectsPlaceholderSyntax(t *testing.T) {
	for _, dir := range []string{"/tmp/a{b", "/tmp/a}b", `/tmp/a\b`} {
		_, err := (&Caddy{StateDir: dir}).slotDir("bake-x")
		require.Error(t, err, dir)
	}
	dir, err := (&Caddy{StateDir: "/var/lib/bake/caddy"}).slotDir("bake-x")
	require.NoError(t, err)
	assert.Equal(t, "/var/lib/bake/caddy/upstreams/bake-x", dir)
}

func TestSlotDirOf(t *testing.T) {
	tests := []struct {
		dial, want string
		ok         bool
	}{
		{"{file./s/upstreams/bake-x/0}", "/s/upstreams/bake-x", true},
		{"{file./s/upstreams/bake-y/0}", "", false},
		{"{file./s/other/bake-x/0}", "", false},
		{"{file.s/upstreams/bake-x/0}", "", false},
		{"127.0.0.1:9000", "", false},
	}
	for _, tt := range tests {
		got, ok := slotDirOf(tt.dial, "bake-x")
		assert.Equal(t, tt.ok, ok, tt.dial)
		assert.Equal(t, tt.want, got, tt.dial)
	}
}

func TestAtLeast(t *testing.T) {
	tests := []struct {
		version string
		want    bool
	}{
		{"v2.11.4", true},
		{"v2.11.9", true},
		{"2.12.0", true},
		{"v3.0.0", true},
		{"v2.11.3", false},
		{"2.6.2", false},
		{"v2.11.4-beta.1", false},
		{"v2.11.9+dirty", true},
		{"unknown", false},
		{"(devel)", false},
		{"", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, atLeast(tt.version, MinVersion), tt.version)
	}
}
