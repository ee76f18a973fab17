package docker

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/targets"
)

func TestUnsettled(t *testing.T) {
	req := targets.Request{Release: releaseOf("1.1.0"), Keep: config.KeepStopped}
	serving := targets.Replica{ID: "s", Version: "1.1.0", Digest: "sha256:1.1.0", Running: true}
	tests := []struct {
		name string
		r    targets.Replica
		keep string
		want bool
	}{
		{name: "serving", r: serving},
		{name: "left by the interrupted run", r: targets.Replica{ID: "x", Version: "1.2.0", Operation: "op1"}, want: true},
		{name: "release's own, running out of traffic", r: targets.Replica{ID: "x", Version: "1.1.0", Digest: "sha256:1.1.0", Running: true}, want: true},
		{name: "release's own, stopped", r: targets.Replica{ID: "x", Version: "1.1.0", Digest: "sha256:1.1.0"}},
		{name: "previous, stopped", r: targets.Replica{ID: "x", Version: "1.0.0", Digest: "sha256:1.0.0"}},
		{name: "previous, running", r: targets.Replica{ID: "x", Version: "1.0.0", Digest: "sha256:1.0.0", Running: true}, want: true},
		{name: "previous, running, kept warm", r: targets.Replica{ID: "x", Version: "1.0.0", Digest: "sha256:1.0.0", Running: true}, keep: config.KeepWarm},
		{name: "previous, stopped, removed", r: targets.Replica{ID: "x", Version: "1.0.0", Digest: "sha256:1.0.0"}, keep: config.KeepRemoved, want: true},
		{name: "older, stopped", r: targets.Replica{ID: "x", Version: "0.9.0", Digest: "sha256:0.9.0"}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := req
			if tt.keep != "" {
				req.Keep = tt.keep
			}
			assert.Equal(t, tt.want, unsettled(tt.r, req, "op1", []targets.Replica{serving}, "1.0.0"))
		})
	}
}

func releaseOf(version string) ledger.Release {
	return ledger.Release{Image: "web", Version: version, Digest: "sha256:" + version}
}
