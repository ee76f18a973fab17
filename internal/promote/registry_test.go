package promote

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
)

// An environment with a registry of its own runs a release from there, by
// the release's digest; every other environment, and an AMI release, runs
// the release as recorded.
func TestPlacedIn(t *testing.T) {
	const dg = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	dev := &config.Environment{Name: "dev"}
	same := &config.Environment{Name: "qa", Registry: &config.Registry{Address: "127.0.0.1:5000"}}
	prod := &config.Environment{Name: "prod", Registry: &config.Registry{Address: "123456789012.dkr.ecr.eu-west-1.amazonaws.com"}}
	d := &Engine{Project: &config.Project{Name: "demo", Registry: config.Registry{Address: "127.0.0.1:5000"},
		Environments: []*config.Environment{dev, same, prod}}}
	img := ledger.Release{Image: "web", Version: "1.0.0", Digest: dg, Reference: "127.0.0.1:5000/demo/web@" + dg}
	ami := ledger.Release{Image: "node", Version: "1.0.0", Digest: dg, AMIs: map[string]string{"us-east-1": "ami-1"}}

	assert.Equal(t, img, d.placedIn(dev, img))
	assert.Equal(t, img, d.placedIn(same, img))
	want := img
	want.Reference = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo/web@" + dg
	assert.Equal(t, want, d.placedIn(prod, img))
	assert.Equal(t, ami, d.placedIn(prod, ami))
}
