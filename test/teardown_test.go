package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/engine"
)

// teardownRounds is how many releases each way of ending bake runs.
const teardownRounds = 5

// earlyRounds is how many more releases SIGINT and SIGTERM stop as soon as
// the sandbox's network exists, while its container is still being created.
const earlyRounds = 3

// moment is when a test signals bake during validation.
type moment string

const (
	containerExists moment = "container" // the sandbox container is listed
	networkExists   moment = "network"   // the sandbox network (or already its container) is listed
)

// failingProject writes a project whose http check can never pass: the
// service reports unhealthy from the start, and the check retries until
// checkTimeout.
func failingProject(t *testing.T, checkTimeout string) *project {
	t.Helper()
	p := newProject(t, projectOptions{})
	p.setHealthyUntil(t, time.Now().Add(-time.Hour))
	b, err := os.ReadFile(p.ConfigPath())
	require.NoError(t, err)
	config := strings.Replace(string(b), "timeout: 10s", "timeout: "+checkTimeout, 1)
	require.Contains(t, config, "timeout: "+checkTimeout, "bake.yaml has no http check timeout to set")
	writeFile(t, p.ConfigPath(), config)
	return p
}

// sandboxLabels select the sandbox and check containers of p.
func sandboxLabels(p *project, extra ...string) []string {
	return append([]string{engine.LabelProject + "=" + p.Name, engine.LabelKind + "=" + engine.KindSandbox}, extra...)
}

// assertNothingLeft checks that p has no sandbox or check container and no
// bake-labelled network or volume. A container left behind is reported
// with its state and then removed, so the next round starts clean.
func assertNothingLeft(t *testing.T, p *project, msg string) bool {
	t.Helper()
	ctx := context.Background()
	eng, err := engine.Connect(ctx)
	require.NoError(t, err)
	defer eng.Close()
	list, err := eng.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: client.Filters{}.Add("label", sandboxLabels(p)...)})
	require.NoError(t, err)
	clean := true
	for _, c := range list.Items {
		clean = false
		t.Errorf("%s: sandbox container left behind: %s, state %s (%s), created %s, labelled %s",
			msg, c.Names, c.State, c.Status, time.Unix(c.Created, 0).Format(time.RFC3339), c.Labels[engine.LabelCreated])
		// The engine may still be creating it: it answers "no such container"
		// until it is done, so remove until it is no longer listed.
		require.Eventually(t, func() bool {
			_ = engine.Remove(ctx, eng, c.ID)
			list, err := eng.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: client.Filters{}.Add("id", c.ID)})
			return err == nil && len(list.Items) == 0
		}, 30*time.Second, 250*time.Millisecond, "removing %s", c.Names)
	}
	networks, volumes := bakeNetworksAndVolumes(t, p.Name)
	// Replicas run on their environments' networks: no sweep removes those.
	networks = slices.DeleteFunc(networks, func(n string) bool {
		return slices.ContainsFunc(p.Envs, func(e projectEnv) bool { return n == "bake-"+p.Name+"-"+e.Name })
	})
	clean = assert.Empty(t, networks, "%s: networks left behind", msg) && clean
	clean = assert.Empty(t, volumes, "%s: volumes left behind", msg) && clean
	return clean
}

// bakeNetworksAndVolumes names the networks and volumes labelled with project.
func bakeNetworksAndVolumes(t *testing.T, project string) (networks, volumes []string) {
	t.Helper()
	ctx := context.Background()
	eng, err := engine.Connect(ctx)
	require.NoError(t, err)
	defer eng.Close()
	f := client.Filters{}.Add("label", engine.LabelProject+"="+project)
	nl, err := eng.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	require.NoError(t, err)
	for _, n := range nl.Items {
		networks = append(networks, n.Name)
	}
	vl, err := eng.VolumeList(ctx, client.VolumeListOptions{Filters: f})
	require.NoError(t, err)
	for _, v := range vl.Items {
		volumes = append(volumes, v.Name)
	}
	return networks, volumes
}

// sandboxOf returns the name and operation label of the one sandbox
// container with labels.
func sandboxOf(t *testing.T, labels ...string) (name, operation string) {
	t.Helper()
	ctx := context.Background()
	eng, err := engine.Connect(ctx)
	require.NoError(t, err)
	defer eng.Close()
	list, err := eng.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: client.Filters{}.Add("label", labels...)})
	require.NoError(t, err)
	require.Len(t, list.Items, 1, "sandbox containers with %v", labels)
	c := list.Items[0]
	return strings.TrimPrefix(c.Names[0], "/"), c.Labels[engine.LabelOperation]
}

// killDuringValidation starts a release of version, waits until at has
// come, and sends sig; it returns bake's exit code and stderr.
func killDuringValidation(t *testing.T, p *project, version string, sig syscall.Signal, at moment) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := bakeCmd(ctx, p.Dir, nil, "release", "svc", "--version", version)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for !sandboxExists(ctx, p, version, at) {
		select {
		case <-exited:
			t.Fatalf("bake release svc --version %s: exit %d before its sandbox %s appeared\n%s", version, cmd.ProcessState.ExitCode(), at, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			t.Fatalf("bake release svc --version %s: no sandbox %s within 60s\n%s", version, at, stderr.String())
		}
	}
	require.NoError(t, cmd.Process.Signal(sig))
	<-exited
	return cmd.ProcessState.ExitCode(), stderr.String()
}

// sandboxExists reports whether the sandbox of p's release of version has
// come as far as at.
func sandboxExists(ctx context.Context, p *project, version string, at moment) bool {
	labels := sandboxLabels(p, engine.LabelVersion+"="+version)
	if list, err := listContainers(ctx, labels...); err == nil && len(list) > 0 {
		return true
	}
	if at != networkExists {
		return false
	}
	eng, err := engine.Connect(ctx)
	if err != nil {
		return false
	}
	defer eng.Close()
	list, err := eng.NetworkList(ctx, client.NetworkListOptions{Filters: client.Filters{}.Add("label", labels...)})
	return err == nil && len(list.Items) > 0
}

// syncBuffer is a bytes.Buffer that bake's output can be written to while
// the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestTeardownFailedRelease releases versions whose http check fails at its
// deadline: each exits 1 and leaves nothing behind.
func TestTeardownFailedRelease(t *testing.T) {
	t.Parallel()
	p := failingProject(t, "2s")
	for m := range teardownRounds {
		version := fmt.Sprintf("9.1.%d", m)
		start := time.Now()
		res := bake(t, p.Dir, "release", "svc", "--version", version)
		require.Equal(t, 1, res.code, res.String())
		assert.Contains(t, res.stderr, "validation failed", version)
		if !assertNothingLeft(t, p, version) {
			t.Logf("%s: bake's stderr:\n%s", version, res.stderr)
		}
		t.Logf("%s failed and was torn down in %s", version, time.Since(start).Round(time.Millisecond))
	}
}

// TestTeardownInterruptedRelease stops releases with SIGINT and SIGTERM while
// their sandbox waits for a check that never passes, and a few while its
// container is still being created: each exits non-zero and leaves nothing
// behind.
func TestTeardownInterruptedRelease(t *testing.T) {
	t.Parallel()
	p := failingProject(t, "10s")
	for n, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		for m := range teardownRounds + earlyRounds {
			version := fmt.Sprintf("9.%d.%d", n+2, m)
			at := containerExists
			if m >= teardownRounds {
				at = networkExists
			}
			start := time.Now()
			code, stderr := killDuringValidation(t, p, version, sig, at)
			assert.NotZero(t, code, "%s %v: bake must not succeed", version, sig)
			assert.Contains(t, stderr, "interrupted", "%s %v", version, sig)
			if !assertNothingLeft(t, p, fmt.Sprintf("%s %v once its %s existed", version, sig, at)) {
				t.Logf("%s %v: bake's stderr:\n%s", version, sig, stderr)
			}
			t.Logf("%s: %v once its %s existed, exit %d, torn down in %s", version, sig, at, code, time.Since(start).Round(time.Millisecond))
		}
	}
}

// TestTeardownKilledReleaseIsSwept kills releases with SIGKILL while their
// sandbox runs: the sandbox stays, a sweep younger than it keeps it, and
// `bake sweep --operation ID` or `--older-than 0s` removes it.
func TestTeardownKilledReleaseIsSwept(t *testing.T) {
	t.Parallel()
	p := failingProject(t, "10s")
	for m := range teardownRounds {
		version := fmt.Sprintf("9.4.%d", m)
		start := time.Now()
		code, _ := killDuringValidation(t, p, version, syscall.SIGKILL, containerExists)
		assert.NotZero(t, code, version)
		name, op := sandboxOf(t, sandboxLabels(p, engine.LabelVersion+"="+version)...)
		require.NotEmpty(t, op, "%s: the sandbox has no operation label", name)

		if m == 0 {
			res := mustBake(t, p.Dir, "sweep", "--yes")
			assert.Contains(t, res.stdout, "nothing to sweep", "a sandbox seconds old is younger than the default hour")
			left, err := listContainers(context.Background(), sandboxLabels(p)...)
			require.NoError(t, err)
			assert.Len(t, left, 1, "the default sweep removed a young sandbox")
		}

		args := []string{"sweep", "--yes", "--operation", op}
		if m%2 == 1 {
			args = []string{"sweep", "--yes", "--older-than", "0s"}
		}
		res := mustBake(t, p.Dir, args...)
		assert.Contains(t, res.stdout, name, res.String())
		assert.Contains(t, res.stdout, op, res.String())
		assert.Contains(t, res.stdout, "swept 1 container", res.String())
		if m == 0 {
			t.Logf("bake %s:\n%s", strings.Join(args, " "), res.stdout)
		}
		assertNothingLeft(t, p, version+" after "+strings.Join(args, " "))
		t.Logf("%s: killed, %s removed %s in %s", version, strings.Join(args, " "), name, time.Since(start).Round(time.Millisecond))
	}
	res := mustBake(t, p.Dir, "sweep", "--yes", "--older-than", "0s")
	assert.Contains(t, res.stdout, "nothing to sweep")
}

// sweepDoc is `bake sweep -o json`.
type sweepDoc struct {
	DryRun    bool   `json:"dry_run"`
	Project   string `json:"project"`
	Leftovers []struct {
		Resource  string `json:"resource"`
		Name      string `json:"name"`
		Operation string `json:"operation"`
		Kind      string `json:"kind"`
		Removed   bool   `json:"removed"`
	} `json:"leftovers"`
}
