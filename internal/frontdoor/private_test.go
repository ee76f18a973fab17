package frontdoor

import (
	"bufio"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// listeningPorts returns the TCP ports process pid listens on.
func listeningPorts(t *testing.T, pid int) []int {
	t.Helper()
	inodes := map[string]bool{}
	fds, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	require.NoError(t, err)
	for _, fd := range fds {
		link, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/fd/" + fd.Name())
		if inode, ok := strings.CutPrefix(link, "socket:["); err == nil && ok {
			inodes[strings.TrimSuffix(inode, "]")] = true
		}
	}
	var ports []int
	for _, table := range []string{"tcp", "tcp6"} {
		f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/net/" + table)
		require.NoError(t, err)
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			// local_address rem_address st ... inode is the tenth field.
			if len(fields) < 10 || fields[3] != "0A" || !inodes[fields[9]] {
				continue
			}
			_, hexPort, _ := strings.Cut(fields[1], ":")
			port, err := strconv.ParseInt(hexPort, 16, 32)
			require.NoError(t, err)
			ports = append(ports, int(port))
		}
		require.NoError(t, f.Close())
	}
	return ports
}

// TestAdminIsPrivate checks that a door's admin API is a unix socket only
// this user can reach, that Caddy listens on TCP only for the route, and
// that it runs without bake's environment.
func TestAdminIsPrivate(t *testing.T) {
	ctx := t.Context()
	t.Setenv("BAKE_SECRET_TOKEN", "s3cret")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "aws-s3cret")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
	c := newCaddy(t)
	route := Route{ID: "bake-test-private", Listen: freeAddr(t)}
	require.NoError(t, c.SetUpstreams(ctx, route, []string{backend(t, "a")}))
	d, pid := doorOf(t, c, route.ID)
	require.NotZero(t, pid)

	info, err := os.Stat(d.socket())
	require.NoError(t, err)
	assert.Equal(t, os.ModeSocket, info.Mode().Type())
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "admin socket mode")
	for _, dir := range []string{d.dir, filepath.Dir(d.dir)} {
		info, err := os.Stat(dir)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o700), info.Mode().Perm(), "mode of %s", dir)
	}

	mustGet(t, route.Listen)
	info, err = os.Stat(d.path(accessLogFileName))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "access log mode")

	_, port, err := net.SplitHostPort(route.Listen)
	require.NoError(t, err)
	want, err := strconv.Atoi(port)
	require.NoError(t, err)
	assert.Equal(t, []int{want}, listeningPorts(t, pid), "caddy listens on TCP for the route only")

	environ, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	require.NoError(t, err)
	for _, kv := range strings.Split(string(environ), "\x00") {
		assert.False(t, strings.HasPrefix(kv, "BAKE_") || strings.HasPrefix(kv, "AWS_"), "caddy's environment has %q", kv)
		assert.NotContains(t, kv, "s3cret")
	}
	assert.Contains(t, string(environ), "HOME="+d.dir)
}

// TestAdminTrustsOnlyItsCaddy puts another server on a door's admin socket
// after its Caddy died: bake does not take its answers for the door's.
func TestAdminTrustsOnlyItsCaddy(t *testing.T) {
	ctx := t.Context()
	c := newCaddy(t)
	route := Route{ID: "bake-test-impostor", Listen: freeAddr(t)}
	a := backend(t, "a")
	require.NoError(t, c.SetUpstreams(ctx, route, []string{a}))
	d, _ := doorOf(t, c, route.ID)
	require.NoError(t, stop(ctx, d))

	if err := os.Remove(d.socket()); err != nil {
		require.ErrorIs(t, err, os.ErrNotExist)
	}
	ln, err := net.Listen("unix", d.socket())
	require.NoError(t, err)
	var mu sync.Mutex
	var asked []string
	srv := &http.Server{ReadHeaderTimeout: time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.Path)
		mu.Unlock()
		_, _ = w.Write([]byte("[]"))
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	assert.Zero(t, running(ctx, d))
	_, err = c.Upstreams(ctx, route.ID)
	require.ErrorIs(t, err, ErrDown)
	_, err = dialAdmin(ctx, d.socket(), os.Getpid()+1)
	require.ErrorIs(t, err, ErrNotOurs)
	mu.Lock()
	assert.Empty(t, asked, "bake sent requests to a process it did not start")
	mu.Unlock()
}
