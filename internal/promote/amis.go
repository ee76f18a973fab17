package promote

import (
	"context"
	"errors"

	"github.com/bakehq/bake/internal/ledger"
)

// amisRemoved says why rel cannot run because `bake gc --amis` removed its
// AMIs ("" when it has them). Only AMI releases are read about, so
// promoting a container image costs no extra ledger call.
func amisRemoved(ctx context.Context, store ledger.Store, rel ledger.Release) (string, error) {
	if len(rel.AMIs) == 0 {
		return "", nil
	}
	r, err := store.AMIRemoval(ctx, rel.Image, rel.Version)
	switch {
	case errors.Is(err, ledger.ErrNotFound):
		return "", nil
	case err != nil:
		return "", err
	}
	return (&ledger.AMIsRemovedError{Removal: r}).Error(), nil
}
