package status

import (
	"context"
	"errors"

	"github.com/bakehq/bake/internal/ledger"
)

// AMIRemoval returns the record of `bake gc --amis` removing rel's AMIs,
// nil if they are still there. Only a release with AMIs is read about, so
// a container image's history costs no extra ledger call.
func AMIRemoval(ctx context.Context, store ledger.Store, rel ledger.Release) (*ledger.AMIRemoval, error) {
	if len(rel.AMIs) == 0 {
		return nil, nil
	}
	r, err := store.AMIRemoval(ctx, rel.Image, rel.Version)
	switch {
	case errors.Is(err, ledger.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return &r, nil
}
