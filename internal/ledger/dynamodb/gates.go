package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bakehq/bake/internal/ledger"
)

func approvalsPK(image string) string  { return "approvals#" + image }
func revocationPK(image string) string { return "revocation#" + image }
func pinsPK(image string) string       { return "pins#" + image }

// Approve records a manual approval of image@version for env. The release
// must be recorded; otherwise the error wraps ErrNotFound.
func (s *Store) Approve(ctx context.Context, a ledger.Approval) error {
	if a.Env == "" || a.By == "" {
		return fmt.Errorf("recording approval of %s@%s: env and approver are required", a.Image, a.Version)
	}
	if a.At.IsZero() {
		a.At = time.Now()
	}
	if err := s.requireRelease(ctx, a.Image, a.Version); err != nil {
		return fmt.Errorf("recording approval of %s@%s: %w", a.Image, a.Version, err)
	}
	if err := appendToList(ctx, s, approvalsPK(a.Image), a.Version, "approvals", a, ledger.ApprovalEntry); err != nil {
		return fmt.Errorf("recording approval of %s@%s: %w", a.Image, a.Version, err)
	}
	return nil
}

// Approvals lists the approvals of image@version, oldest first.
func (s *Store) Approvals(ctx context.Context, image, version string) ([]ledger.Approval, error) {
	out := []ledger.Approval{}
	if err := s.readList(ctx, approvalsPK(image), version, "approvals", &out); err != nil {
		return nil, fmt.Errorf("listing approvals of %s@%s: %w", image, version, err)
	}
	return out, nil
}

// Revoke records that image@version may never be promoted again; ErrExists
// if it is already revoked, ErrNotFound if the release is not recorded.
func (s *Store) Revoke(ctx context.Context, r ledger.Revocation) error {
	if r.Reason == "" || r.By == "" {
		return fmt.Errorf("revoking %s@%s: a reason and who revokes are required", r.Image, r.Version)
	}
	if r.At.IsZero() {
		r.At = time.Now()
	}
	item, err := marshalItem(revocationPK(r.Image), r.Version, r)
	if err != nil {
		return fmt.Errorf("revoking %s@%s: encoding: %w", r.Image, r.Version, err)
	}
	if err := s.requireRelease(ctx, r.Image, r.Version); err != nil {
		return fmt.Errorf("revoking %s@%s: %w", r.Image, r.Version, err)
	}
	e, err := ledger.RevocationEntry(r)
	if err != nil {
		return fmt.Errorf("revoking %s@%s: %w", r.Image, r.Version, err)
	}
	err = s.record(ctx, s.putNew(item), e)
	if errors.Is(err, errRecordExists) {
		return fmt.Errorf("revoking %s@%s: %w", r.Image, r.Version, ledger.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("revoking %s@%s: %w", r.Image, r.Version, err)
	}
	return nil
}

// Revocation returns the revocation of image@version; ErrNotFound if none.
func (s *Store) Revocation(ctx context.Context, image, version string) (ledger.Revocation, error) {
	item, err := s.getItem(ctx, revocationPK(image), version)
	if err != nil {
		return ledger.Revocation{}, fmt.Errorf("reading revocation of %s@%s: %w", image, version, err)
	}
	if item == nil {
		return ledger.Revocation{}, fmt.Errorf("revocation of %s@%s: %w", image, version, ledger.ErrNotFound)
	}
	var r ledger.Revocation
	if err := unmarshalItem(item, &r); err != nil {
		return ledger.Revocation{}, fmt.Errorf("reading revocation of %s@%s: %w", image, version, err)
	}
	return r, nil
}

// SetPin appends a pin record for image in env.
func (s *Store) SetPin(ctx context.Context, p ledger.Pin) error {
	if err := ledger.ValidatePin(&p); err != nil {
		return err
	}
	if err := appendToList(ctx, s, pinsPK(p.Image), p.Env, "pins", p, ledger.PinEntry); err != nil {
		return fmt.Errorf("recording pin of %s in %q: %w", p.Image, p.Env, err)
	}
	return nil
}

// Pin returns the latest pin record of image in env; ErrNotFound if none.
func (s *Store) Pin(ctx context.Context, image, env string) (ledger.Pin, error) {
	var pins []ledger.Pin
	if err := s.readList(ctx, pinsPK(image), env, "pins", &pins); err != nil {
		return ledger.Pin{}, fmt.Errorf("reading pin of %s in %q: %w", image, env, err)
	}
	if len(pins) == 0 {
		return ledger.Pin{}, fmt.Errorf("pin of %s in %q: %w", image, env, ledger.ErrNotFound)
	}
	return pins[len(pins)-1], nil
}

// appendToList adds record to the end of the list attribute name of item
// pk, sk, creating both as needed, together with its link in the hash
// chain. The transaction is atomic: concurrent appends all land, in the
// order of their links.
func appendToList[T any](ctx context.Context, s *Store, pk, sk, name string, record T, entry func(T) (ledger.Entry, error)) error {
	write, e, err := listAppend(s, pk, sk, name, record, entry)
	if err != nil {
		return err
	}
	return s.record(ctx, write, e)
}

// listAppend is the write that adds record to the end of the list
// attribute name of item pk, sk, and its entry for the hash chain.
func listAppend[T any](s *Store, pk, sk, name string, record T, entry func(T) (ledger.Entry, error)) (types.TransactWriteItem, ledger.Entry, error) {
	e, err := entry(record)
	if err != nil {
		return types.TransactWriteItem{}, ledger.Entry{}, err
	}
	value, err := marshalValue(record)
	if err != nil {
		return types.TransactWriteItem{}, ledger.Entry{}, fmt.Errorf("encoding: %w", err)
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                aws.String(s.loc.Table),
		Key:                      itemKey(pk, sk),
		UpdateExpression:         aws.String("SET #list = list_append(if_not_exists(#list, :empty), :new)"),
		ExpressionAttributeNames: map[string]string{"#list": name},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":empty": &types.AttributeValueMemberL{Value: []types.AttributeValue{}},
			":new":   &types.AttributeValueMemberL{Value: []types.AttributeValue{value}},
		},
	}}, e, nil
}

// readList decodes the list attribute name of item pk, sk into out; it
// leaves out alone if there is no such item.
func (s *Store) readList(ctx context.Context, pk, sk, name string, out any) error {
	item, err := s.getItem(ctx, pk, sk)
	if err != nil || item[name] == nil {
		return err
	}
	if err := unmarshalValue(item[name], out); err != nil {
		return fmt.Errorf("decoding %s: %s: %w", describeItem(item), name, err)
	}
	return nil
}
