package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/cenkalti/backoff/v5"

	"github.com/bakehq/bake/internal/ledger"
)

// lockSK is the sort key of every lock item.
const lockSK = "lock"

// lockTimeout bounds how long Lock keeps reading again while the lock item
// changes under it; each change is another locker winning or releasing.
const lockTimeout = 10 * time.Second

// errLockChanged says the lock item changed between reading and writing it.
var errLockChanged = errors.New("the lock changed while taking it")

// lockNames are the attribute names lock conditions use (some are reserved words).
var lockNames = map[string]string{"#holder": "holder", "#expires": "expires"}

func lockPK(key string) string { return "lock#" + key }

// Lock takes key for holder until ttl passes; a *LockedError if someone else
// holds it. An expired lock is taken over. When holder already holds key, the
// lock is renewed: Since stays, Expires moves to now+ttl.
//
// Every write is conditional on the item being exactly as it was read
// (absent, or the same holder and expiry), so of many processes racing for
// a free or expired lock exactly one writes; the others find the item
// changed, read it again and see the winner. Expiry is judged by the clock
// of the process that finds the lock, so machines sharing a ledger need
// synchronised clocks.
func (s *Store) Lock(ctx context.Context, key, holder string, ttl time.Duration) (ledger.Lock, error) {
	switch {
	case key == "":
		return ledger.Lock{}, errors.New("locking: key is empty")
	case holder == "":
		return ledger.Lock{}, fmt.Errorf("locking %q: holder is empty", key)
	case ttl <= 0:
		return ledger.Lock{}, fmt.Errorf("locking %q: ttl %s is not positive", key, ttl)
	}
	b := backoff.NewExponentialBackOff()
	b.InitialInterval, b.MaxInterval = 5*time.Millisecond, 100*time.Millisecond
	l, err := backoff.Retry(ctx, func() (ledger.Lock, error) {
		l, err := s.lockOnce(ctx, key, holder, ttl)
		if err != nil && !errors.Is(err, errLockChanged) {
			return ledger.Lock{}, backoff.Permanent(err)
		}
		return l, err
	}, backoff.WithBackOff(b), backoff.WithMaxElapsedTime(lockTimeout))
	var locked *ledger.LockedError
	if errors.As(err, &locked) {
		return ledger.Lock{}, locked
	}
	if err != nil {
		return ledger.Lock{}, fmt.Errorf("locking %q: %w", key, err)
	}
	return l, nil
}

// lockOnce makes one attempt at Lock.
func (s *Store) lockOnce(ctx context.Context, key, holder string, ttl time.Duration) (ledger.Lock, error) {
	item, err := s.getItem(ctx, lockPK(key), lockSK)
	if err != nil {
		return ledger.Lock{}, err
	}
	now := time.Now().UTC()
	l := ledger.Lock{Key: key, Holder: holder, Since: now, Expires: now.Add(ttl)}
	in := &dynamodb.PutItemInput{TableName: aws.String(s.loc.Table)}
	if item == nil {
		in.ConditionExpression = aws.String("attribute_not_exists(pk)")
	} else {
		held, err := decodeLock(key, item)
		if err != nil {
			return ledger.Lock{}, err
		}
		if now.Before(held.Expires) {
			if held.Holder != holder {
				return ledger.Lock{}, &ledger.LockedError{Key: key, Holder: held.Holder, Since: held.Since}
			}
			l.Since = held.Since
		}
		in.ConditionExpression = aws.String("#holder = :holder AND #expires = :expires")
		in.ExpressionAttributeNames = lockNames
		in.ExpressionAttributeValues = map[string]types.AttributeValue{
			":holder": item["holder"], ":expires": item["expires"],
		}
	}
	in.Item = itemKey(lockPK(key), lockSK)
	in.Item["holder"] = attrS(l.Holder)
	in.Item["since"] = attrS(ledger.FormatTime(l.Since))
	in.Item["expires"] = attrS(ledger.FormatTime(l.Expires))
	_, err = s.client.PutItem(ctx, in)
	if isConditionFailed(err) {
		return ledger.Lock{}, errLockChanged
	}
	if err != nil {
		return ledger.Lock{}, err
	}
	return l, nil
}

// decodeLock reads a lock item written by lockOnce.
func decodeLock(key string, item map[string]types.AttributeValue) (ledger.Lock, error) {
	var fields [3]string
	for i, name := range []string{"holder", "since", "expires"} {
		v, ok := item[name].(*types.AttributeValueMemberS)
		if !ok {
			return ledger.Lock{}, fmt.Errorf("%s has no string %s", describeItem(item), name)
		}
		fields[i] = v.Value
	}
	return ledger.ParseLock(key, fields[0], fields[1], fields[2])
}

// Unlock releases a lock taken by Lock, only if still held by the same
// holder. When it is not (it expired and was taken over, or was already
// released) nothing changes and the error wraps ErrNotFound.
func (s *Store) Unlock(ctx context.Context, l ledger.Lock) error {
	_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 aws.String(s.loc.Table),
		Key:                       itemKey(lockPK(l.Key), lockSK),
		ConditionExpression:       aws.String("#holder = :holder"),
		ExpressionAttributeNames:  map[string]string{"#holder": "holder"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":holder": attrS(l.Holder)},
	})
	if isConditionFailed(err) {
		return fmt.Errorf("unlocking %q: no lock held by %q: %w", l.Key, l.Holder, ledger.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("unlocking %q held by %q: %w", l.Key, l.Holder, err)
	}
	return nil
}

// Holder returns the lock on key as it is stored, expired or not, without
// taking it; ErrNotFound if nobody holds it.
func (s *Store) Holder(ctx context.Context, key string) (ledger.Lock, error) {
	item, err := s.getItem(ctx, lockPK(key), lockSK)
	if err != nil {
		return ledger.Lock{}, fmt.Errorf("reading lock %q: %w", key, err)
	}
	if item == nil {
		return ledger.Lock{}, fmt.Errorf("reading lock %q: %w", key, ledger.ErrNotFound)
	}
	l, err := decodeLock(key, item)
	if err != nil {
		return ledger.Lock{}, fmt.Errorf("reading lock %q: %w", key, err)
	}
	return l, nil
}

// fenceCheck is the condition, in a write's transaction, that fence is
// still the lock on its key: the same holder and the same acquisition.
// A lock taken over, or released, fails it and nothing is written.
func (s *Store) fenceCheck(fence ledger.Lock) types.TransactWriteItem {
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName:                aws.String(s.loc.Table),
		Key:                      itemKey(lockPK(fence.Key), lockSK),
		ConditionExpression:      aws.String("#holder = :holder AND #since = :since"),
		ExpressionAttributeNames: map[string]string{"#holder": "holder", "#since": "since"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":holder": attrS(fence.Holder), ":since": attrS(ledger.FormatTime(fence.Since)),
		},
	}}
}
