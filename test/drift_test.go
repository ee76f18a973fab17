package e2e

import (
	"context"
	"testing"

	"github.com/moby/moby/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/engine"
)

// TestStatusCheckReportsDrift: status --check exits 0 while what runs matches
// the record, and 4, naming the difference, once a replica is stopped behind
// bake's back.
func TestStatusCheckReportsDrift(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
	mustBake(t, p.Dir, "status", "--check")

	ctx := context.Background()
	list, err := listContainers(ctx, "dev.bake.project="+p.Name, "dev.bake.env=dev", "dev.bake.kind=replica")
	require.NoError(t, err)
	require.NotEmpty(t, list)
	eng, err := engine.Connect(ctx)
	require.NoError(t, err)
	defer eng.Close()
	timeout := 5
	_, err = eng.ContainerStop(ctx, list[0].Name, client.ContainerStopOptions{Timeout: &timeout})
	require.NoError(t, err)

	res := bake(t, p.Dir, "status", "--check")
	assert.Equal(t, 4, res.code, res.String())
	assert.Contains(t, res.stdout, "drift: svc in dev: the record says 2 running replicas of 1.0.0, the engine runs 1")
	// Lists read as words, not in Go's list syntax.
	assert.Regexp(t, `the front door sends traffic to 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+ while the running replicas of 1\.0\.0 are 127\.0\.0\.1:\d+\n`, res.stdout)
	assert.NotContains(t, res.stdout, "[")
	assert.Contains(t, res.stderr, "what runs differs from the record")
	var doc []struct {
		Environments []struct {
			Env   string   `json:"env"`
			Drift []string `json:"drift"`
		} `json:"environments"`
	}
	res = bake(t, p.Dir, "status", "--check", "-o", "json")
	assert.Equal(t, 4, res.code)
	decodeStatus(t, res.stdout, &doc)
	require.Len(t, doc, 1)
	assert.NotEmpty(t, doc[0].Environments[0].Drift)
}
