package builder

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/moby/moby/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/engine"
)

// A base image baked twice from the same recipe has the same bytes: the same
// image id in the engine and the same manifest digest in the registry.
func TestRootfsIsReproducible(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.Connect(ctx)
	require.NoError(t, err, "the Docker engine must run: scripts/services.sh up")
	defer eng.Close()

	tmpl := t.TempDir()
	// The extract variant only unpacks packages: a small, quick root filesystem.
	write(t, filepath.Join(tmpl, RootfsTemplate), `suite: bookworm
variant: extract
include: [{{ .Vars.package }}]
epoch: 1700000000
cmd: ["/bin/busybox", "sh"]
`)
	project := "rootfs-" + engine.NewOperationID()
	spec := func(version string) Spec {
		return Spec{
			Project: project, Registry: "127.0.0.1:5000", Version: version, GitCommit: "abc", User: "someone",
			Image: &config.Image{Name: "base", Template: tmpl, Context: t.TempDir(), Vars: map[string]string{"package": "busybox-static"}},
		}
	}
	var digests, ids []string
	for i, user := range []string{"alice", "bob"} {
		s := spec("1.0.0")
		s.User = user
		job, err := (&Rootfs{Engine: eng}).Prepare(s)
		require.NoError(t, err)
		built, err := job.Run(ctx)
		require.NoError(t, err, "bake %d", i+1)
		ids = append(ids, built.ImageID)
		art, err := Publish(ctx, eng, built, nil)
		require.NoError(t, err)
		digests = append(digests, art.Digest)
		removeImage(t, eng, built.Tag)
	}
	assert.Equal(t, ids[0], ids[1], "image ids of two bakes")
	assert.Equal(t, digests[0], digests[1], "manifest digests of two bakes")

	// The recipe is an input: another package list is another image.
	other := spec("1.0.0")
	other.Image.Vars = map[string]string{"package": "busybox-static hostname"}
	job, err := (&Rootfs{Engine: eng}).Prepare(other)
	require.NoError(t, err)
	first, err := (&Rootfs{Engine: eng}).Prepare(spec("1.0.0"))
	require.NoError(t, err)
	assert.NotEqual(t, first.InputsDigest(), job.InputsDigest())
}

func removeImage(t *testing.T, eng *client.Client, ref string) {
	t.Helper()
	_, err := eng.ImageRemove(context.Background(), ref, client.ImageRemoveOptions{Force: true, PruneChildren: true})
	if err != nil && !os.IsNotExist(err) {
		t.Logf("removing %s: %v", ref, err)
	}
}
