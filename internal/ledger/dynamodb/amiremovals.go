package dynamodb

import (
	"context"
	"errors"
	"fmt"

	"github.com/bakehq/bake/internal/ledger"
)

func amiRemovalPK(image string) string { return "amiremoval#" + image }

// RecordAMIRemoval records that every AMI of a release was deregistered;
// ErrExists if that is recorded already, ErrNotFound if the release is not.
func (s *Store) RecordAMIRemoval(ctx context.Context, r ledger.AMIRemoval) error {
	if err := ledger.ValidateAMIRemoval(&r); err != nil {
		return err
	}
	wrap := func(err error) error {
		return fmt.Errorf("recording the removal of the AMIs of %s@%s: %w", r.Image, r.Version, err)
	}
	item, err := marshalItem(amiRemovalPK(r.Image), r.Version, r)
	if err != nil {
		return wrap(err)
	}
	if err := s.requireRelease(ctx, r.Image, r.Version); err != nil {
		return wrap(err)
	}
	e, err := ledger.AMIRemovalEntry(r)
	if err != nil {
		return wrap(err)
	}
	err = s.record(ctx, s.putNew(item), e)
	if errors.Is(err, errRecordExists) {
		return wrap(ledger.ErrExists)
	}
	if err != nil {
		return wrap(err)
	}
	return nil
}

// AMIRemoval returns the AMI removal of image@version; ErrNotFound if none.
func (s *Store) AMIRemoval(ctx context.Context, image, version string) (ledger.AMIRemoval, error) {
	item, err := s.getItem(ctx, amiRemovalPK(image), version)
	if err != nil {
		return ledger.AMIRemoval{}, fmt.Errorf("reading the AMI removal of %s@%s: %w", image, version, err)
	}
	if item == nil {
		return ledger.AMIRemoval{}, fmt.Errorf("AMI removal of %s@%s: %w", image, version, ledger.ErrNotFound)
	}
	var r ledger.AMIRemoval
	if err := unmarshalItem(item, &r); err != nil {
		return ledger.AMIRemoval{}, fmt.Errorf("reading the AMI removal of %s@%s: %w", image, version, err)
	}
	return r, nil
}
