package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// registryConfig is a docker-registry config like scripts/services.sh
// writes, for a registry of one test's own.
const registryConfig = `version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
  secret: e2e-faults
`

// faultyRegistry is a docker-registry of one test's own (Debian's, as
// scripts/services.sh runs it) that the test stops and starts again. The
// shared registry on 127.0.0.1:5000 is left alone: other tests, and other
// processes on the machine, push to it at the same time.
//
// Bake pushes to Addr, a TCP front that hands each connection to the
// registry's own port; stopping the registry kills it and closes the front,
// so that connections already open break and new ones are refused, as when
// a registry process dies. The front can also stop the registry once it has
// carried a given number of bytes of a push.
type faultyRegistry struct {
	t     *testing.T
	Addr  string // 127.0.0.1:PORT, what bake.yaml names
	inner string // the registry's own address
	dir   string
	bin   string // docker-registry

	mu       sync.Mutex
	proc     *exec.Cmd
	exited   chan struct{}
	front    net.Listener
	conns    map[net.Conn]bool
	cutAfter int64 // stop once the front carried this many bytes to the registry; 0: never
	carried  atomic.Int64
	down     chan struct{} // closed when a cut stopped the registry
}

// newFaultyRegistry starts a registry on free loopback ports; it is
// stopped when the test ends, however the test ends.
func newFaultyRegistry(t *testing.T) *faultyRegistry {
	t.Helper()
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		t.Skip("docker-registry is not on PATH (scripts/services.sh up installs it)")
	}
	r := &faultyRegistry{t: t, dir: t.TempDir(), bin: bin, conns: map[net.Conn]bool{}}
	r.Addr = fmt.Sprintf("127.0.0.1:%d", freePort(t))
	r.inner = fmt.Sprintf("127.0.0.1:%d", freePort(t))
	for r.inner == r.Addr {
		r.inner = fmt.Sprintf("127.0.0.1:%d", freePort(t))
	}
	writeFile(t, filepath.Join(r.dir, "config.yml"), fmt.Sprintf(registryConfig, filepath.Join(r.dir, "storage"), r.inner))
	t.Cleanup(r.stop)
	r.start()
	return r
}

// start runs the registry and opens the front, and waits until a push
// would get through.
func (r *faultyRegistry) start() {
	t := r.t
	t.Helper()
	log, err := os.OpenFile(filepath.Join(r.dir, "registry.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	defer log.Close()
	proc := exec.Command(r.bin, "serve", filepath.Join(r.dir, "config.yml"))
	proc.Stdout, proc.Stderr = log, log
	require.NoError(t, proc.Start())
	exited := make(chan struct{})
	go func() { _ = proc.Wait(); close(exited) }()
	front, err := net.Listen("tcp", r.Addr)
	if err != nil {
		_ = proc.Process.Kill()
		t.Fatalf("reopening the registry's front on %s: %v", r.Addr, err)
	}
	r.mu.Lock()
	r.proc, r.exited, r.front, r.down = proc, exited, front, make(chan struct{})
	r.mu.Unlock()
	go r.serve(front)

	deadline := time.Now().Add(30 * time.Second)
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	for {
		resp, err := client.Get("http://" + r.Addr + "/v2/")
		if err == nil {
			_ = resp.Body.Close()
			return
		}
		require.True(t, time.Now().Before(deadline), "the registry did not answer on %s: %v", r.Addr, err)
		time.Sleep(50 * time.Millisecond)
	}
}

// stop kills the registry and closes the front and every connection
// through it. Stopping a stopped registry does nothing.
func (r *faultyRegistry) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.front == nil {
		return
	}
	_ = r.front.Close()
	r.front = nil
	for c := range r.conns {
		_ = c.Close()
	}
	clear(r.conns)
	_ = r.proc.Process.Kill()
	<-r.exited
}

// stopAfter arms the front to stop the registry once it has carried n more
// bytes towards it; the returned channel is closed when it has.
func (r *faultyRegistry) stopAfter(n int64) <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.carried.Store(0)
	r.cutAfter = n
	return r.down
}

func (r *faultyRegistry) serve(front net.Listener) {
	for {
		c, err := front.Accept()
		if err != nil {
			return
		}
		go r.relay(c)
	}
}

// relay hands one client connection to the registry.
func (r *faultyRegistry) relay(client net.Conn) {
	upstream, err := net.Dial("tcp", r.inner)
	if err != nil {
		_ = client.Close()
		return
	}
	if !r.track(client, upstream) {
		return
	}
	go func() { _, _ = io.Copy(client, upstream); _ = client.Close() }()
	_, _ = io.Copy(&cutter{r: r, w: upstream}, client)
	_ = upstream.Close()
}

// track remembers a relayed connection, or closes it when the registry
// stopped meanwhile.
func (r *faultyRegistry) track(conns ...net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.front == nil {
		for _, c := range conns {
			_ = c.Close()
		}
		return false
	}
	for _, c := range conns {
		r.conns[c] = true
	}
	return true
}

// cutter counts what clients send the registry and stops it when armed.
type cutter struct {
	r *faultyRegistry
	w io.Writer
}

func (c *cutter) Write(p []byte) (int, error) {
	r := c.r
	r.mu.Lock()
	armed := r.cutAfter
	r.mu.Unlock()
	if armed > 0 && r.carried.Add(int64(len(p))) >= armed {
		r.mu.Lock()
		r.cutAfter = 0
		down := r.down
		r.mu.Unlock()
		go func() { r.stop(); close(down) }()
		return 0, io.ErrClosedPipe
	}
	return c.w.Write(p)
}
