package frontdoor

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startShared starts Caddy as a bake with one shared Caddy did (admin API
// on TCP, autosave under the state dir) with a route whose upstream is a
// slot file, and returns its pid.
func startShared(t *testing.T, c *Caddy, route Route, upstream string) int {
	t.Helper()
	admin := freeAddr(t)
	slot := filepath.Join(c.StateDir, legacySlotsDirName, route.ID, "0")
	require.NoError(t, os.MkdirAll(filepath.Dir(slot), 0o700))
	require.NoError(t, os.WriteFile(slot, []byte(upstream), 0o600))
	initial := filepath.Join(c.StateDir, "initial.json")
	require.NoError(t, writeJSON(initial, map[string]any{"admin": map[string]any{"listen": admin, "config": map[string]any{"persist": true}}}))
	log, err := os.Create(filepath.Join(c.StateDir, "shared.log"))
	require.NoError(t, err)
	defer func() { _ = log.Close() }()
	cmd := exec.Command(c.Binary, "run", "--resume", "--config", initial, "--pidfile", filepath.Join(c.StateDir, legacyPIDFileName))
	cmd.Env = []string{"HOME=" + c.StateDir, "XDG_CONFIG_HOME=" + filepath.Join(c.StateDir, "config"), "XDG_DATA_HOME=" + filepath.Join(c.StateDir, "data")}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	require.NoError(t, cmd.Start())
	go func() { _ = cmd.Wait() }()
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })

	srv := map[string]any{
		"listen":          []string{route.Listen},
		"automatic_https": map[string]any{"disable": true},
		"routes": []any{map[string]any{"handle": []any{map[string]any{
			"handler": "reverse_proxy", "@id": route.ID,
			"upstreams": []any{map[string]any{"dial": placeholder(slot)}},
		}}, "terminal": true}},
	}
	body, err := json.Marshal(map[string]any{"http": map[string]any{"servers": map[string]any{route.ID: srv}}})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		resp, err := http.Post("http://"+admin+"/config/apps", "application/json", bytes.NewReader(body))
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 10*time.Second, 50*time.Millisecond)
	require.Eventually(t, func() bool { return accepts(t.Context(), route.Listen) }, 10*time.Second, 20*time.Millisecond)
	return cmd.Process.Pid
}

// TestEnsureMovesSharedRoutes upgrades from the shared Caddy of an older
// bake: its route moves to a door of its own, which keeps serving the same
// upstream on the same address, and the shared Caddy is gone.
func TestEnsureMovesSharedRoutes(t *testing.T) {
	ctx := t.Context()
	c := newCaddy(t)
	a := backend(t, "a")
	route := Route{ID: "bake-test-shared", Listen: freeAddr(t)}
	shared := startShared(t, c, route, a)
	require.Equal(t, shared, sharedPID(c.StateDir))
	assert.Equal(t, "a", mustGet(t, route.Listen))

	require.NoError(t, c.Ensure(ctx))
	assert.Eventually(t, func() bool { return !alive(shared) }, 10*time.Second, 20*time.Millisecond, "the shared caddy still runs")
	ups, err := c.Upstreams(ctx, route.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{a}, ups)
	assert.Equal(t, "a", mustGet(t, route.Listen))
	_, err = os.Stat(filepath.Join(c.StateDir, legacyAutosave))
	assert.ErrorIs(t, err, os.ErrNotExist)

	// The door is bake's like any other: it switches.
	require.NoError(t, c.SetUpstreams(ctx, route, []string{backend(t, "b")}))
	assert.Equal(t, "b", mustGet(t, route.Listen))
	require.NoError(t, c.Ensure(ctx))
}

func TestSharedPIDOnlyTrustsItsCaddy(t *testing.T) {
	dir := t.TempDir()
	// A pid file naming a live process that is not that Caddy (this test).
	require.NoError(t, os.WriteFile(filepath.Join(dir, legacyPIDFileName), []byte(strconv.Itoa(os.Getpid())), 0o600))
	assert.Zero(t, sharedPID(dir))
	require.NoError(t, os.WriteFile(filepath.Join(dir, legacyPIDFileName), []byte("not a pid"), 0o600))
	assert.Zero(t, sharedPID(dir))
}

func TestSharedRoutes(t *testing.T) {
	dir := t.TempDir()
	slot := filepath.Join(dir, "0")
	require.NoError(t, os.WriteFile(slot, []byte("127.0.0.1:9001\n"), 0o600))
	autosave := `{"apps":{"http":{"servers":{
	  "bake-p-dev-web": {"listen":["127.0.0.1:8101"],"routes":[{"handle":[{"handler":"reverse_proxy","upstreams":[{"dial":"` + placeholder(slot) + `"},{"dial":"127.0.0.1:9002"}]}]}]},
	  "public": {"listen":[":80"],"routes":[{"handle":[{"handler":"reverse_proxy","upstreams":[{"dial":"127.0.0.1:9003"}]}]}]},
	  "elsewhere": {"listen":["127.0.0.1:8102"],"routes":[{"handle":[{"handler":"reverse_proxy","upstreams":[{"dial":"10.0.0.1:80"}]}]}]},
	  "bad id!": {"listen":["127.0.0.1:8103"],"routes":[{"handle":[{"handler":"reverse_proxy","upstreams":[{"dial":"127.0.0.1:9004"}]}]}]}
	}}}}`
	got := sharedRoutes([]byte(autosave))
	require.Len(t, got, 1)
	assert.Equal(t, sharedRoute{ID: "bake-p-dev-web", Listen: "127.0.0.1:8101", Upstreams: []string{"127.0.0.1:9001", "127.0.0.1:9002"}}, got[0])
	assert.Empty(t, sharedRoutes([]byte("not json")))
	assert.True(t, strings.HasPrefix(placeholder(slot), "{file."))
}
