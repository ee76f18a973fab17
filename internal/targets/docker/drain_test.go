package docker

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/frontdoor"
)

// TestDrainCutShortByCtrlC: a drain whose context ends (Ctrl-C) says so in
// one line, not with the admin API's request error and its URL.
func TestDrainCutShortByCtrlC(t *testing.T) {
	f := newFixture(t)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer up.Close()
	route := frontdoor.Route{ID: f.d.RouteID("dev", "svc"), Listen: f.target.Listen}
	require.NoError(t, f.d.FrontDoor.SetUpstreams(t.Context(), route, []string{strings.TrimPrefix(up.URL, "http://")}))

	var out bytes.Buffer
	f.d.Progress = &out
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	f.d.drain(ctx, route.ID)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 2, out.String())
	assert.Equal(t, "warning: draining the old replicas cut short by Ctrl-C; stopping them anyway", lines[1])
	assert.NotContains(t, out.String(), "http")
}
