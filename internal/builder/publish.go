package builder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/client"

	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/registry"
)

// Artifact is a published image, referred to by digest from here on.
type Artifact struct {
	Digest    string // manifest digest, sha256:...
	Reference string // REPOSITORY@DIGEST
}

// unreachableFor is how long the registry may refuse connections while the
// engine retries a push before bake stops the push: long enough for a
// registry to restart and for the engine's first retry, far shorter than
// the engine's own retries (about 50 s, with nothing to show for them).
const unreachableFor = 10 * time.Second

// Publish pushes a built image to the registry, with the credentials
// registry.Keychain finds for it, and returns its digest. A registry that
// cannot be reached is reported as a *registry.UnreachableError.
func Publish(ctx context.Context, eng *client.Client, b Built, progress io.Writer) (Artifact, error) {
	host, err := registry.Host(b.Tag)
	if err != nil {
		return Artifact{}, fmt.Errorf("pushing %s: %w", b.Tag, err)
	}
	auth, err := registry.EngineAuth(ctx, host)
	if err != nil {
		return Artifact{}, fmt.Errorf("pushing %s: %w", b.Tag, err)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	res, err := eng.ImagePush(ctx, b.Tag, client.ImagePushOptions{RegistryAuth: auth})
	if err != nil {
		return Artifact{}, pushFailed(ctx, b.Tag, host, err)
	}
	defer res.Close()
	var digest string
	watch := &pushWatch{ctx: ctx, cancel: cancel, host: host}
	err = engine.ReadMessages(res, func(m jsonstream.Message) {
		var pushed struct{ Digest string }
		if m.Aux != nil && json.Unmarshal(*m.Aux, &pushed) == nil && pushed.Digest != "" {
			digest = pushed.Digest
		}
		if progress != nil {
			engine.PrintMessage(progress, m)
		}
		if strings.HasPrefix(m.Status, "Retrying in ") {
			watch.check()
		}
	})
	if err != nil {
		return Artifact{}, pushFailed(ctx, b.Tag, host, err)
	}
	if digest == "" {
		return Artifact{}, fmt.Errorf("pushing %s: the registry returned no digest", b.Tag)
	}
	repo := b.Tag[:strings.LastIndex(b.Tag, ":")]
	return Artifact{Digest: digest, Reference: repo + "@" + digest}, nil
}

// pushFailed explains a failed push: when the registry cannot be reached,
// it says so and what to do, instead of the engine's own message.
func pushFailed(ctx context.Context, tag, host string, err error) error {
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, registry.ErrUnreachable):
		return fmt.Errorf("pushing %s: %w", tag, cause)
	case ctx.Err() != nil:
		return fmt.Errorf("pushing %s: %w", tag, err)
	}
	if rerr := registry.Reachable(ctx, host); errors.Is(rerr, registry.ErrUnreachable) {
		return fmt.Errorf("pushing %s: %w", tag, rerr)
	}
	return fmt.Errorf("pushing %s: %w", tag, err)
}

// pushWatch checks the registry when the engine says it retries a push,
// and stops the push once the registry has refused connections for
// unreachableFor.
type pushWatch struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	host   string
	since  time.Time // when the registry was first found unreachable; zero while it answers
}

func (w *pushWatch) check() {
	err := registry.Reachable(w.ctx, w.host)
	if !errors.Is(err, registry.ErrUnreachable) {
		w.since = time.Time{}
		return
	}
	if w.since.IsZero() {
		w.since = time.Now()
	}
	if time.Since(w.since) >= unreachableFor {
		w.cancel(err)
	}
}
