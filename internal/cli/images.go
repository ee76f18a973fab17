package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/promote"
	"github.com/bakehq/bake/internal/version"
)

// image returns the image definition named by the user.
func (f *Factory) image(name string) (*config.Project, *config.Image, error) {
	p, err := f.Project()
	if err != nil {
		return nil, nil, err
	}
	img := p.Image(name)
	if img == nil {
		names := make([]string, len(p.Images))
		for i, im := range p.Images {
			names[i] = fmt.Sprintf("%q", im.Name)
		}
		return nil, nil, fmt.Errorf("%w image %q: %s defines %s", promote.ErrUnknown, name, p.File, strings.Join(names, ", "))
	}
	return p, img, nil
}

// release returns the recorded release IMAGE@VERSION.
func (f *Factory) release(ctx context.Context, ref string) (*config.Project, ledger.Release, error) {
	name, v, err := splitRef(ref)
	if err != nil {
		return nil, ledger.Release{}, err
	}
	p, _, err := f.image(name)
	if err != nil {
		return nil, ledger.Release{}, err
	}
	if _, err := version.Parse(v); err != nil {
		return nil, ledger.Release{}, err
	}
	store, err := f.Store(ctx)
	if err != nil {
		return nil, ledger.Release{}, err
	}
	rel, err := store.Release(ctx, name, v)
	if err != nil {
		return nil, ledger.Release{}, ledger.NotRecorded(name, v, err)
	}
	return p, rel, nil
}

// environment returns the environment named by the user.
func environment(p *config.Project, name string) (*config.Environment, error) {
	e, _ := p.Environment(name)
	if e == nil {
		names := make([]string, len(p.Environments))
		for i, en := range p.Environments {
			names[i] = fmt.Sprintf("%q", en.Name)
		}
		return nil, fmt.Errorf("%w environment %q: %s defines %s", promote.ErrUnknown, name, p.File, strings.Join(names, ", "))
	}
	return e, nil
}

func errNoTarget(env, image string) error {
	return fmt.Errorf("%w: environment %q has no target for %s in bake.yaml", promote.ErrUnknown, env, image)
}
