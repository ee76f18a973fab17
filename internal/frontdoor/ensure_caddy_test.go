package frontdoor

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEnsureStartsOneCaddy(t *testing.T) {
	ctx := t.Context()
	c := newCaddy(t)

	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = (&Caddy{Admin: c.Admin, StateDir: c.StateDir}).Ensure(ctx)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	pid := caddyPID(t, c)

	require.NoError(t, c.Ensure(ctx))
	assert.Equal(t, pid, caddyPID(t, c))
	assert.Equal(t, 1, startCount(t, c))

	// Its own process group, so Ctrl-C in bake's terminal does not reach it.
	pgid, err := syscall.Getpgid(pid)
	require.NoError(t, err)
	assert.Equal(t, pid, pgid)
	assert.NotEqual(t, syscall.Getpgrp(), pgid)
}

func TestEnsureResumesAfterKill(t *testing.T) {
	ctx := t.Context()
	c := newCaddy(t)
	require.NoError(t, c.Ensure(ctx))
	a := backend(t, "a")
	route := Route{ID: "bake-test-resume", Listen: freeAddr(t)}
	require.NoError(t, c.SetUpstreams(ctx, route, []string{a}))
	first := caddyPID(t, c)

	killCaddy(t, c)
	require.NoError(t, c.Ensure(ctx))
	assert.NotEqual(t, first, caddyPID(t, c))
	ups, err := c.Upstreams(ctx, route.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{a}, ups)
	assert.Equal(t, "a", mustGet(t, route.Listen))

	// The same after a clean stop.
	require.NoError(t, c.Stop(ctx))
	require.NoError(t, c.Ensure(ctx))
	ups, err = c.Upstreams(ctx, route.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{a}, ups)
	assert.Equal(t, 3, startCount(t, c))
}

func TestEnsurePinsResumedAdmin(t *testing.T) {
	ctx := t.Context()
	c := newCaddy(t)
	require.NoError(t, c.Ensure(ctx))
	route := Route{ID: "bake-test-pin", Listen: freeAddr(t)}
	require.NoError(t, c.SetUpstreams(ctx, route, []string{backend(t, "a")}))
	killCaddy(t, c)

	// An autosave whose admin points elsewhere, as if edited or loaded by hand.
	autosave := filepath.Join(c.StateDir, configDirName, "caddy", "autosave.json")
	data, err := os.ReadFile(autosave)
	require.NoError(t, err)
	var cfg map[string]any
	require.NoError(t, json.Unmarshal(data, &cfg))
	cfg["admin"] = map[string]any{"listen": "0.0.0.0:2019", "disabled": true, "config": map[string]any{"persist": false}}
	require.NoError(t, writeJSON(autosave, cfg))

	require.NoError(t, c.Ensure(ctx))
	var admin map[string]any
	require.NoError(t, c.call(ctx, http.MethodGet, "/config/admin", nil, &admin))
	assert.Equal(t, map[string]any{"listen": c.Admin, "config": map[string]any{"persist": true}}, admin)
	assert.Equal(t, "a", mustGet(t, route.Listen))
}

// fakeCaddy writes a script that prints version for `caddy version` and
// fails for anything else.
func fakeCaddy(t *testing.T, version string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "caddy")
	script := "#!/bin/sh\n[ \"$1\" = version ] && { echo '" + version + " h1:x='; exit 0; }\necho 'no config' >&2\nexit 1\n"
	require.NoError(t, os.WriteFile(path, []byte(script), 0o700))
	return path
}

func TestEnsureRefusesOldCaddy(t *testing.T) {
	c := &Caddy{Admin: freeAddr(t), StateDir: t.TempDir(), Binary: fakeCaddy(t, "2.6.2")}
	err := c.Ensure(t.Context())
	require.ErrorIs(t, err, ErrOldCaddy)
	assert.Contains(t, err.Error(), "run scripts/services.sh up")
	assert.NotContains(t, err.Error(), "\n")
	assert.NoFileExists(t, filepath.Join(c.StateDir, logFileName))
}

func TestEnsureReportsEarlyExit(t *testing.T) {
	c := &Caddy{Admin: freeAddr(t), StateDir: t.TempDir(), Binary: fakeCaddy(t, "v2.11.9")}
	err := c.Ensure(t.Context())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "exited before its admin api answered")
	assert.Contains(t, err.Error(), startMessage)
}

func TestEnsureRejectsPublicAdmin(t *testing.T) {
	for _, admin := range []string{"0.0.0.0:2019", ":2019", "localhost:2019", "192.168.1.10:2019"} {
		c := &Caddy{Admin: admin, StateDir: t.TempDir()}
		require.ErrorIs(t, c.Ensure(t.Context()), ErrNotLoopback, admin)
	}
}
