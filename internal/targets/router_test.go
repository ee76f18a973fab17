package targets

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
)

// recorder is a target type that records what it was asked.
type recorder struct {
	name  string
	calls []string
}

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
func (r *recorder) Plan(_ context.Context, req Request, _ string) (Plan, error) {
	r.calls = append(r.calls, "plan")
	return Plan{Steps: []string{r.name + " deploys " + req.Release.Version}}, nil
}
func (r *recorder) Observe(_ context.Context, o Observation) (State, error) {
	r.calls = append(r.calls, "observe")
	return State{Drift: []string{r.name + " in " + o.Env}}, nil
}
func (r *recorder) Serves(*config.Target) string { return "on " + r.name }

// pointer is a target type with every optional capability.
type pointer struct{ recorder }

func (p *pointer) Point(context.Context, Request, ledger.Deployment) error {
	p.calls = append(p.calls, "point")
	return nil
}
func (p *pointer) Check(_ context.Context, req Request) error {
	p.calls = append(p.calls, "check")
	if req.Release.Version == "0.0.0" {
		return errors.New("no artifact here")
	}
	return nil
}
func (p *pointer) Inspect(context.Context, Request) (Live, error) {
	p.calls = append(p.calls, "inspect")
	return Live{}, nil
}
func (p *pointer) Recover(context.Context, Recovery) (Recovered, error) {
	p.calls = append(p.calls, "recover")
	return Recovered{}, nil
}

func TestRouterDispatchesOnTargetType(t *testing.T) {
	ctx := context.Background()
	docker, aws := &recorder{name: "docker"}, &pointer{recorder{name: "asg"}}
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
		_, err = r.Plan(ctx, req, "")
		require.NoError(t, err)
		st, err := r.Observe(ctx, Observation{Env: req.Env, Image: "web", Target: req.Target})
		require.NoError(t, err)
		assert.Equal(t, []string{TypeOf(req.Target) + " in " + req.Env}, st.Drift)
		_, err = r.Inspect(ctx, req)
		if req.Target.Type == "" {
			require.ErrorIs(t, err, ErrNoRecovery, "a type without recovery cannot recover")
			_, err = r.Recover(ctx, Recovery{Request: req})
			require.ErrorIs(t, err, ErrNoRecovery)
		} else {
			require.NoError(t, err)
			_, err = r.Recover(ctx, Recovery{Request: req})
			require.NoError(t, err)
		}
	}
	assert.Equal(t, []string{"deploy", "watch", "retire", "plan", "observe"}, docker.calls, "docker has no optional capability")
	assert.Equal(t, []string{"deploy", "watch", "retire", "point", "check", "plan", "observe", "inspect", "recover"}, aws.calls)
	assert.Equal(t, "on docker", r.Serves(&config.Target{}))
	assert.Equal(t, "on asg", r.Serves(&config.Target{Type: config.TargetASG}))

	_, err := Router{config.TargetDocker: docker}.Deploy(ctx, onASG)
	assert.ErrorContains(t, err, `no asg target to run web in "prod"`)
}

func TestRegistry(t *testing.T) {
	ctx := context.Background()
	var built []Deps
	Register("test-a", func(_ context.Context, d Deps) (Target, error) {
		built = append(built, d)
		return &recorder{name: "a"}, nil
	})
	Register("test-b", func(context.Context, Deps) (Target, error) { return nil, errors.New("no client for b") })
	assert.Subset(t, Registered(), []string{"test-a", "test-b"})

	d := Deps{Project: "p", Operation: "op1"}
	r, err := Open(ctx, []string{"test-a"}, d)
	require.NoError(t, err)
	require.Len(t, built, 1)
	assert.Equal(t, d.Project, built[0].Project, "the factory gets the deps")
	plan, err := r.Plan(ctx, Request{Env: "dev", Image: &config.Image{Name: "web"}, Target: &config.Target{Type: "test-a"},
		Release: ledger.Release{Version: "1.0.0"}}, "")
	require.NoError(t, err)
	assert.Equal(t, []string{"a deploys 1.0.0"}, plan.Steps)

	_, err = Open(ctx, []string{"test-a", "test-b"}, d)
	assert.ErrorContains(t, err, "no client for b", "a type that cannot be built says why")
	_, err = New(ctx, "test-none", d)
	assert.ErrorContains(t, err, `no "test-none" target type in this build of bake (it has: `)

	assert.PanicsWithValue(t, "targets: Register called twice for test-a", func() {
		Register("test-a", func(context.Context, Deps) (Target, error) { return nil, nil })
	})
	assert.Panics(t, func() { Register("test-c", nil) })
}

func TestTypes(t *testing.T) {
	p := &config.Project{Environments: []*config.Environment{
		{Name: "dev", Targets: map[string]*config.Target{"web": {Type: config.TargetDocker}, "api": {}}},
		{Name: "prod", Targets: map[string]*config.Target{"web": {Type: config.TargetASG}, "api": {Type: config.TargetDocker}}},
	}}
	assert.Equal(t, []string{config.TargetDocker, config.TargetASG}, Types(p), "each type once, in the order environments use them")
	assert.Empty(t, Types(&config.Project{}))
	assert.Equal(t, config.TargetDocker, TypeOf(nil))
}
