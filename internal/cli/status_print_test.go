package cli

import (
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/stretchr/testify/assert"

	"github.com/bakehq/bake/internal/status"
	"github.com/bakehq/bake/internal/targets"
)

// TestStatusFrontDoorColumn: the FRONT DOOR column is a docker target's;
// an image whose environments run on other targets has no such column.
func TestStatusFrontDoorColumn(t *testing.T) {
	print := func(envs ...status.Env) string {
		var out, warn strings.Builder
		w := tabwriter.NewWriter(&out, 0, 4, 2, ' ', 0)
		printStatus(w, &warn, []status.Image{{Image: "web", Latest: "1.0.0", Environments: envs}})
		_ = w.Flush()
		return out.String()
	}
	running := []targets.Replica{{Version: "1.0.0", Running: true}}

	docker := print(status.Env{Env: "dev", Version: "1.0.0", Listen: "127.0.0.1:8080", Replicas: running})
	assert.Contains(t, docker, "FRONT DOOR")
	assert.Regexp(t, `(?m)^  dev .*1 running 1\.0\.0\s+127\.0\.0\.1:8080$`, docker)

	ecs := print(status.Env{Env: "prod", Version: "1.0.0", Replicas: running})
	assert.NotContains(t, ecs, "FRONT DOOR")
	assert.Regexp(t, `(?m)^  ENV\s+VERSION\s+DIGEST\s+SINCE\s+BY\s+REPLICAS$`, ecs)
	assert.Regexp(t, `(?m)^  prod .*1 running 1\.0\.0$`, ecs, "no dash for a column that is not there")
}
