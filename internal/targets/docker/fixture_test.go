package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/frontdoor"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/loopback"
	"github.com/bakehq/bake/internal/targets"
)

// The tests of this package that deploy run the end-to-end tests' service
// (test/testdata/svc) as replicas on the real Docker engine behind a real
// Caddy front door. Each works in a project of its own and removes what it
// created.

var (
	svcOnce sync.Once
	svcDir  string
	svcErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if svcDir != "" {
		_ = os.RemoveAll(svcDir)
	}
	os.Exit(code)
}

// svcBinary compiles the test service once for a FROM scratch image.
func svcBinary(t *testing.T) string {
	t.Helper()
	svcOnce.Do(func() {
		if svcDir, svcErr = os.MkdirTemp("", "bake-docker-svc-"); svcErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(svcDir, "svc"), "../../../test/testdata/svc")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			svcErr = fmt.Errorf("go build svc: %w\n%s", err, out)
		}
	})
	require.NoError(t, svcErr)
	return filepath.Join(svcDir, "svc")
}

// fixture is one project's docker target in environment "dev" and what it
// deploys: the image "svc" with a health check on /healthz.
type fixture struct {
	t       *testing.T
	d       *Target
	image   *config.Image
	target  *config.Target
	project string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	// Each test has a project, a front door and replicas of its own.
	t.Parallel()
	ctx := t.Context()
	eng, err := engine.Connect(ctx)
	require.NoError(t, err, "the Docker engine must run: scripts/services.sh up")
	bin, err := exec.LookPath("caddy")
	require.NoError(t, err, "caddy must be installed: scripts/services.sh up")
	// A short state directory: the doors' admin sockets live in it.
	state, err := os.MkdirTemp("", "fd")
	require.NoError(t, err)
	port, err := loopback.FreePort()
	require.NoError(t, err)
	f := &fixture{
		t:       t,
		project: "t" + engine.NewOperationID(),
		image: &config.Image{Name: "svc", Port: 8080, Checks: []config.Check{{Name: "health",
			HTTP: &config.HTTPCheck{Path: "/healthz", Status: 200, Timeout: 30 * time.Second}}}},
		target: &config.Target{Type: config.TargetDocker, Replicas: 2, Listen: fmt.Sprintf("127.0.0.1:%d", port),
			HealthTimeout: 20 * time.Second, Strategy: config.BlueGreen},
	}
	f.d = &Target{Engine: eng, FrontDoor: &frontdoor.Caddy{StateDir: state, Binary: bin}, Project: f.project,
		Operation: engine.NewOperationID(), Progress: testLog{t}}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := f.d.FrontDoor.Remove(ctx, f.d.RouteID("dev", "svc")); err != nil {
			t.Errorf("removing the front door: %v", err)
		}
		_ = os.RemoveAll(state)
		rs, err := f.d.replicas(ctx, "dev", "svc")
		if err != nil {
			t.Errorf("listing replicas: %v", err)
		}
		for _, r := range rs {
			if err := removeReplica(ctx, f.d, r); err != nil {
				t.Errorf("%v", err)
			}
		}
		f.d.pruneNetwork(ctx, "dev")
		imgs, _ := eng.ImageList(ctx, client.ImageListOptions{Filters: client.Filters{}.Add("label", "bake-test="+f.project)})
		for _, img := range imgs.Items {
			_, _ = eng.ImageRemove(ctx, img.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true})
		}
		_ = eng.Close()
	})
	return f
}

// release builds svc as version, with env (NAME=VALUE) set in its image.
func (f *fixture) release(version string, env ...string) ledger.Release {
	f.t.Helper()
	ctx := f.t.Context()
	bin, err := os.ReadFile(svcBinary(f.t))
	require.NoError(f.t, err)
	// The project's label comes first and nothing is taken from the build
	// cache: another test removing its images never removes a layer this
	// build stands on.
	dockerfile := fmt.Sprintf("FROM scratch\nLABEL bake-test=%s\nCOPY svc /svc\nENV SVC_VERSION=%s\nENTRYPOINT [\"/svc\"]\n", f.project, version)
	for _, e := range env {
		dockerfile += "ENV " + e + "\n"
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, data := range map[string][]byte{"Dockerfile": []byte(dockerfile), "svc": bin} {
		require.NoError(f.t, tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(data)), Typeflag: tar.TypeReg}))
		_, err := tw.Write(data)
		require.NoError(f.t, err)
	}
	require.NoError(f.t, tw.Close())
	tag := fmt.Sprintf("bake-test-%s:%s", f.project, version)
	res, err := f.d.Engine.ImageBuild(ctx, &buf, client.ImageBuildOptions{Tags: []string{tag}, Remove: true, ForceRemove: true,
		NoCache: true, Version: build.BuilderV1})
	require.NoError(f.t, err)
	require.NoError(f.t, engine.ReadStream(res.Body, io.Discard, func(json.RawMessage) {}))
	_ = res.Body.Close()
	insp, err := f.d.Engine.ImageInspect(ctx, tag)
	require.NoError(f.t, err)
	return ledger.Release{Image: "svc", Version: version, Digest: insp.ID, Reference: insp.ID}
}

// request deploys rel to "dev".
func (f *fixture) request(rel ledger.Release) targets.Request {
	return targets.Request{Env: "dev", Image: f.image, Target: f.target, Release: rel, Keep: config.KeepStopped}
}

// versions sends n requests through the front door and counts the
// versions that answered.
func (f *fixture) versions(n int) map[string]int {
	f.t.Helper()
	got := map[string]int{}
	c := &http.Client{Timeout: 10 * time.Second}
	for range n {
		res, err := c.Get("http://" + f.target.Listen + "/")
		require.NoError(f.t, err)
		body, err := io.ReadAll(res.Body)
		_ = res.Body.Close()
		require.NoError(f.t, err)
		require.Equal(f.t, http.StatusOK, res.StatusCode, string(body))
		got[strings.TrimPrefix(strings.TrimSpace(string(body)), "svc ")]++
	}
	return got
}

// statuses sends n requests through the front door and counts the
// statuses of the answers.
func (f *fixture) statuses(n int) map[int]int {
	f.t.Helper()
	got := map[int]int{}
	c := &http.Client{Timeout: 10 * time.Second}
	for range n {
		res, err := c.Get("http://" + f.target.Listen + "/")
		require.NoError(f.t, err)
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
		got[res.StatusCode]++
	}
	return got
}

// running returns the running replicas of version.
func (f *fixture) running(version string) []targets.Replica {
	f.t.Helper()
	rs, err := f.d.replicas(f.t.Context(), "dev", "svc")
	require.NoError(f.t, err)
	var out []targets.Replica
	for _, r := range rs {
		if r.Running && r.Version == version {
			out = append(out, r)
		}
	}
	return out
}

// testLog writes the target's progress lines to the test's log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// canaryBeside deploys base and starts canary beside it with no traffic,
// returning the canary's replicas.
func (f *fixture) canaryBeside(base, canary ledger.Release) []targets.Replica {
	f.t.Helper()
	_, err := f.d.Deploy(f.t.Context(), f.request(base))
	require.NoError(f.t, err)
	started, err := f.d.StartCanary(f.t.Context(), f.request(canary))
	require.NoError(f.t, err)
	return started
}
