package e2e

import (
	"context"
	"encoding/json"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/engine"
)

// TestSweepDryRunRemovesNothing lists a killed release's sandbox without
// removing it, in text and JSON.
func TestSweepDryRunRemovesNothing(t *testing.T) {
	t.Parallel()
	p := failingProject(t, "10s")
	killDuringValidation(t, p, "9.5.0", syscall.SIGKILL, containerExists)
	name, op := sandboxOf(t, sandboxLabels(p)...)

	res := mustBake(t, p.Dir, "sweep", "--older-than", "0s", "--dry-run")
	assert.Contains(t, res.stdout, name)
	assert.Contains(t, res.stdout, "would remove")
	assert.Contains(t, res.stdout, "nothing was removed")

	res = mustBake(t, p.Dir, "sweep", "--operation", op, "--dry-run", "-o", "json")
	var doc sweepDoc
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &doc), res.String())
	assert.True(t, doc.DryRun)
	assert.Equal(t, p.Name, doc.Project)
	var containers []string
	for _, l := range doc.Leftovers {
		assert.Equal(t, op, l.Operation, "%s %s", l.Resource, l.Name)
		assert.Equal(t, engine.KindSandbox, l.Kind, "%s %s", l.Resource, l.Name)
		assert.False(t, l.Removed, "%s %s", l.Resource, l.Name)
		if l.Resource == "container" {
			containers = append(containers, l.Name)
		}
	}
	assert.Equal(t, []string{name}, containers, res.stdout)

	left, err := listContainers(context.Background(), sandboxLabels(p)...)
	require.NoError(t, err)
	assert.Len(t, left, 1, "a dry run removed the sandbox")

	res = mustBake(t, p.Dir, "sweep", "--yes", "--operation", op, "-o", "json")
	swept := sweepDoc{}
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &swept), res.String())
	assert.Len(t, swept.Leftovers, len(doc.Leftovers), "the sweep found what the dry run listed")
	for _, l := range swept.Leftovers {
		assert.True(t, l.Removed, "%s %s", l.Resource, l.Name)
	}
	assertNothingLeft(t, p, "after the sweep")
}

// TestSweepNetworksAndVolumes leaves bake-labelled networks and volumes as a
// killed bake would: the sweep removes the old ones, keeps a young one, and
// keeps a replica's.
func TestSweepNetworksAndVolumes(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	ctx := context.Background()
	eng, err := engine.Connect(ctx)
	require.NoError(t, err)
	defer eng.Close()
	labels := func(op, kind string, age time.Duration) map[string]string {
		l := engine.Labels(op, kind, map[string]string{engine.LabelProject: p.Name})
		l[engine.LabelCreated] = time.Now().Add(-age).UTC().Format(time.RFC3339)
		return l
	}
	prefix := "bake-sweep-" + p.Name
	_, err = eng.NetworkCreate(ctx, prefix+"-old", client.NetworkCreateOptions{
		Driver: "bridge", Internal: true, Labels: labels("0ld0ld0ld0ld", engine.KindSandbox, 2*time.Hour),
	})
	require.NoError(t, err)
	_, err = eng.NetworkCreate(ctx, prefix+"-replica", client.NetworkCreateOptions{
		Driver: "bridge", Internal: true, Labels: labels("0ld0ld0ld0ld", engine.KindReplica, 2*time.Hour),
	})
	require.NoError(t, err)
	_, err = eng.VolumeCreate(ctx, client.VolumeCreateOptions{Name: prefix + "-old", Labels: labels("0ld0ld0ld0ld", engine.KindSandbox, 2*time.Hour)})
	require.NoError(t, err)
	_, err = eng.VolumeCreate(ctx, client.VolumeCreateOptions{Name: prefix + "-young", Labels: labels("y0ungy0ungy0", engine.KindSandbox, time.Minute)})
	require.NoError(t, err)
	t.Cleanup(func() {
		for _, n := range []string{prefix + "-old", prefix + "-replica"} {
			_, _ = eng.NetworkRemove(context.Background(), n, client.NetworkRemoveOptions{})
		}
		for _, v := range []string{prefix + "-old", prefix + "-young"} {
			_, _ = eng.VolumeRemove(context.Background(), v, client.VolumeRemoveOptions{Force: true})
		}
	})

	res := mustBake(t, p.Dir, "sweep", "--yes")
	assert.Contains(t, res.stdout, "swept 1 network, 1 volume", res.String())
	// The young volume's run is named, with how to sweep it if it was killed.
	assert.Contains(t, res.stdout, "left alone: what run y0ungy0ungy0 made, newer than 1h0m0s", res.String())
	assert.Contains(t, res.stdout, "`bake sweep --operation y0ungy0ungy0`", res.String())
	networks, volumes := bakeNetworksAndVolumes(t, p.Name)
	assert.Equal(t, []string{prefix + "-replica"}, networks, "only the replica's network is kept")
	assert.Equal(t, []string{prefix + "-young"}, volumes, "only the young volume is kept")

	res = mustBake(t, p.Dir, "sweep", "--yes", "--operation", "y0ungy0ungy0")
	assert.Contains(t, res.stdout, "swept 1 volume", res.String())
	networks, volumes = bakeNetworksAndVolumes(t, p.Name)
	assert.Equal(t, []string{prefix + "-replica"}, networks)
	assert.Empty(t, volumes)
}

// TestSweepSparesReplicas sweeps a project whose dev runs one release and
// keeps the one before it stopped for rollback: the killed release's sandbox
// goes, every replica stays as it was, and dev keeps serving.
func TestSweepSparesReplicas(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
	p.release(t, "1.1.0")
	mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")
	before, err := listContainers(context.Background(), engine.LabelProject+"="+p.Name, engine.LabelKind+"="+engine.KindReplica)
	require.NoError(t, err)
	require.Len(t, before, 4, "two running 1.1.0 replicas and two stopped 1.0.0 ones: %+v", before)

	p.setHealthyUntil(t, time.Now().Add(-time.Hour))
	killDuringValidation(t, p, "9.6.0", syscall.SIGKILL, containerExists)

	res := mustBake(t, p.Dir, "sweep", "--yes", "--older-than", "0s")
	assert.Contains(t, res.stdout, "swept 1 container", res.String())
	assert.NotContains(t, res.stdout, p.Name+"-dev-", "the sweep listed a replica")
	assertNothingLeft(t, p, "after the sweep")

	after, err := listContainers(context.Background(), engine.LabelProject+"="+p.Name, engine.LabelKind+"="+engine.KindReplica)
	require.NoError(t, err)
	assert.ElementsMatch(t, before, after, "the sweep changed the replicas")
	assertServes(t, p, "dev", "1.1.0")
}
