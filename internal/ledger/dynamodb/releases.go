package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bakehq/bake/internal/ledger"
)

func releasePK(image string) string { return "release#" + image }

// PutRelease records a new release; ErrExists if image@version is already
// recorded. A zero CreatedAt is recorded as now.
func (s *Store) PutRelease(ctx context.Context, r ledger.Release) error {
	if err := ledger.ValidateRelease(r); err != nil {
		return fmt.Errorf("recording release %s@%s: %w", r.Image, r.Version, err)
	}
	if r.Checks == nil {
		r.Checks = []ledger.CheckResult{}
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now()
	}
	item, err := marshalItem(releasePK(r.Image), r.Version, r)
	if err != nil {
		return fmt.Errorf("recording release %s@%s: encoding: %w", r.Image, r.Version, err)
	}
	e, err := ledger.ReleaseEntry(r)
	if err != nil {
		return fmt.Errorf("recording release %s@%s: %w", r.Image, r.Version, err)
	}
	// The condition decides a duplicate, so two writers racing on the same
	// image@version cannot both succeed.
	err = s.record(ctx, s.putNew(item), e)
	if errors.Is(err, errRecordExists) {
		return fmt.Errorf("recording release %s@%s: %w", r.Image, r.Version, ledger.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("recording release %s@%s: %w", r.Image, r.Version, err)
	}
	return nil
}

// Release returns one release; ErrNotFound if unknown.
func (s *Store) Release(ctx context.Context, image, version string) (ledger.Release, error) {
	item, err := s.getItem(ctx, releasePK(image), version)
	if err != nil {
		return ledger.Release{}, fmt.Errorf("reading release %s@%s: %w", image, version, err)
	}
	if item == nil {
		return ledger.Release{}, fmt.Errorf("reading release %s@%s: %w", image, version, ledger.ErrNotFound)
	}
	r, err := decodeRelease(item)
	if err != nil {
		return ledger.Release{}, fmt.Errorf("reading release %s@%s: %w", image, version, err)
	}
	return r, nil
}

// Releases lists an image's releases, newest version first (semver order).
func (s *Store) Releases(ctx context.Context, image string) ([]ledger.Release, error) {
	rs, err := s.releases(ctx, image, func(ledger.Release) bool { return true })
	if err != nil {
		return nil, fmt.Errorf("listing releases of %q: %w", image, err)
	}
	return rs, nil
}

// ReleaseByInputs returns the newest validated release built from these
// inputs; ErrNotFound if none.
func (s *Store) ReleaseByInputs(ctx context.Context, image, inputsDigest string) (ledger.Release, error) {
	rs, err := s.releases(ctx, image, func(r ledger.Release) bool {
		return r.InputsDigest == inputsDigest && r.Status == ledger.StatusValidated
	})
	if err != nil {
		return ledger.Release{}, fmt.Errorf("finding release of %q by inputs %s: %w", image, inputsDigest, err)
	}
	if len(rs) == 0 {
		return ledger.Release{}, fmt.Errorf("finding release of %q by inputs %s: %w", image, inputsDigest, ledger.ErrNotFound)
	}
	return rs[0], nil
}

// releases reads every release of image that keep accepts, newest first.
// An image has one partition, small enough to read whole: filtering here
// rather than in a FilterExpression costs the same read capacity.
func (s *Store) releases(ctx context.Context, image string, keep func(ledger.Release) bool) ([]ledger.Release, error) {
	rs := []ledger.Release{}
	err := s.query(ctx, releasePK(image), "", false, func(item map[string]types.AttributeValue) (bool, error) {
		r, err := decodeRelease(item)
		if err == nil && keep(r) {
			rs = append(rs, r)
		}
		return true, err
	})
	if err != nil {
		return nil, err
	}
	ledger.SortNewestFirst(rs)
	return rs, nil
}

func decodeRelease(item map[string]types.AttributeValue) (ledger.Release, error) {
	var r ledger.Release
	if err := unmarshalItem(item, &r); err != nil {
		return ledger.Release{}, fmt.Errorf("decoding %s: %w", describeItem(item), err)
	}
	if r.Checks == nil {
		r.Checks = []ledger.CheckResult{}
	}
	if len(r.AMIs) == 0 {
		r.AMIs = nil
	}
	return r, nil
}
