package targets

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
)

// recorder is a Runner that records what it was asked; pointing is optional.
type recorder struct{ calls []string }

func (r *recorder) Deploy(context.Context, Request) ([]Replica, error) {
	r.calls = append(r.calls, "deploy")
	return nil, nil
}
func (r *recorder) Retire(context.Context, Request, string) error {
	r.calls = append(r.calls, "retire")
	return nil
}
func (r *recorder) Watch(context.Context, Request, []Replica, time.Duration) error {
	r.calls = append(r.calls, "watch")
	return nil
}

type pointer struct{ recorder }

func (p *pointer) Point(context.Context, Request, ledger.Deployment) error {
	p.calls = append(p.calls, "point")
	return nil
}

func TestRouterDispatchesOnTargetType(t *testing.T) {
	ctx := context.Background()
	docker, aws := &recorder{}, &pointer{}
	r := Router{config.TargetDocker: docker, config.TargetASG: aws}
	img := &config.Image{Name: "web"}
	onDocker := Request{Env: "dev", Image: img, Target: &config.Target{}} // no type: docker
	onASG := Request{Env: "prod", Image: img, Target: &config.Target{Type: config.TargetASG}}

	for _, req := range []Request{onDocker, onASG} {
		_, err := r.Deploy(ctx, req)
		require.NoError(t, err)
		require.NoError(t, r.Watch(ctx, req, nil, time.Second))
		require.NoError(t, r.Retire(ctx, req, ""))
		require.NoError(t, r.Point(ctx, req, ledger.Deployment{}))
		require.NoError(t, r.Check(ctx, req))
	}
	assert.Equal(t, []string{"deploy", "watch", "retire"}, docker.calls, "docker has no pointer")
	assert.Equal(t, []string{"deploy", "watch", "retire", "point"}, aws.calls)

	_, err := Router{config.TargetDocker: docker}.Deploy(ctx, onASG)
	assert.ErrorContains(t, err, `no asg target to run web in "prod"`)
}
