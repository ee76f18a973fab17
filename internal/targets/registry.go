package targets

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/bakehq/bake/internal/config"
)

// Factory builds a target of one type from the clients it needs.
type Factory func(ctx context.Context, d Deps) (Target, error)

var (
	mu       sync.RWMutex
	registry = map[string]Factory{}
)

// Register makes a target type available under typ, the name bake.yaml's
// `type:` gives it. A type package calls it from its init; registering a
// name twice, or a nil factory, is a programming error and panics.
func Register(typ string, f Factory) {
	mu.Lock()
	defer mu.Unlock()
	if f == nil {
		panic("targets: Register of a nil factory for " + typ)
	}
	if _, dup := registry[typ]; dup {
		panic("targets: Register called twice for " + typ)
	}
	registry[typ] = f
}

// Registered lists the registered target types, sorted.
func Registered() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(registry))
	for typ := range registry {
		out = append(out, typ)
	}
	sort.Strings(out)
	return out
}

// New builds a target of type typ.
func New(ctx context.Context, typ string, d Deps) (Target, error) {
	mu.RLock()
	f, ok := registry[typ]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("no %q target type in this build of bake (it has: %s)", typ, strings.Join(Registered(), ", "))
	}
	return f(ctx, d)
}

// TypeOf is the type of target t; a target without one is docker.
func TypeOf(t *config.Target) string {
	if t == nil || t.Type == "" {
		return config.TargetDocker
	}
	return t.Type
}

// Types lists the target types p's environments use, in the order they
// first appear.
func Types(p *config.Project) []string {
	var out []string
	for _, e := range p.Environments {
		names := make([]string, 0, len(e.Targets))
		for name := range e.Targets {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if typ := TypeOf(e.Targets[name]); !slices.Contains(out, typ) {
				out = append(out, typ)
			}
		}
	}
	return out
}

// Open builds a Router with a target of each of types.
func Open(ctx context.Context, types []string, d Deps) (Router, error) {
	r := Router{}
	for _, typ := range types {
		t, err := New(ctx, typ, d)
		if err != nil {
			return nil, err
		}
		r[typ] = t
	}
	return r, nil
}
