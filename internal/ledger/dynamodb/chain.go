package dynamodb

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bakehq/bake/internal/ledger"
)

// chainPK is the partition of the hash chain's links; a link's sort key is
// its sequence number, zero-padded so that text order is number order.
const chainPK = "chain"

func chainSK(seq int64) string { return fmt.Sprintf("%020d", seq) }

// chainAttempts bounds how often a write retries after other writers took
// the next link first; each attempt waits a little longer, with jitter.
const chainAttempts = 40

// errRecordExists says the record's own condition failed, as opposed to
// the link's: what it means (a duplicate release, a second revocation, a
// retried deployment) is for the caller to decide.
var errRecordExists = errors.New("record exists")

// record writes one record of history and its link in one transaction, so
// neither is ever stored without the other. The link goes after the head
// read just before, on the condition that nobody has taken its place; when
// another writer has, the head is read again and the write retried.
func (s *Store) record(ctx context.Context, write types.TransactWriteItem, e ledger.Entry) error {
	return s.recordAll(ctx, []types.TransactWriteItem{write}, []ledger.Entry{e})
}

// recordAll is record for several records written together (a deployment
// and the pin change it makes), entries[i] describing writes[i]: all of
// them and their links, in order, in one transaction. Only the first
// write's condition is reported as errRecordExists.
//
// Every link carries the write's token, made once here and kept across
// attempts, so a failed transaction can tell its own earlier success (see
// landed) from another writer's record.
func (s *Store) recordAll(ctx context.Context, writes []types.TransactWriteItem, entries []ledger.Entry) error {
	token := requestToken()
	delay := 10 * time.Millisecond
	for attempt := 1; ; attempt++ {
		head, err := s.chainHead(ctx)
		if err != nil {
			return err
		}
		first := head.Seq + 1
		items := append([]types.TransactWriteItem(nil), writes...)
		for _, e := range entries {
			next := ledger.NextLink(head, e)
			link, err := marshalItem(chainPK, chainSK(next.Seq), next)
			if err != nil {
				return fmt.Errorf("encoding link: %w", err)
			}
			// Beside the link's fields, outside its hash.
			link[writeTokenAttr] = attrS(token)
			items = append(items, types.TransactWriteItem{Put: &types.Put{
				TableName:           aws.String(s.loc.Table),
				Item:                link,
				ConditionExpression: aws.String("attribute_not_exists(pk)"),
			}})
			head = next
		}
		fence, fenced := ledger.FenceOf(ctx)
		if fenced {
			items = append(items, s.fenceCheck(fence))
		}
		_, err = s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
			TransactItems: items,
			// The SDK resends the same token when it retries, which makes a
			// retried transaction that had in fact succeeded a no-op where
			// DynamoDB honours it (moto does not). The token differs from
			// attempt to attempt: each attempt's links are other items.
			ClientRequestToken: aws.String(requestToken()),
		})
		if err == nil {
			return nil
		}
		var canceled *types.TransactionCanceledException
		isCanceled := errors.As(err, &canceled)
		done, lerr := s.landed(ctx, first, token)
		switch {
		case done:
			return nil
		case lerr != nil && isCanceled:
			return fmt.Errorf("telling a retried write from a duplicate: %w (the transaction: %v)", lerr, err)
		case !isCanceled:
			return err
		}
		reasons := canceled.CancellationReasons
		if fenced && len(reasons) == len(items) && aws.ToString(reasons[len(items)-1].Code) == "ConditionalCheckFailed" {
			return &ledger.LockLostError{Key: fence.Key, Holder: fence.Holder}
		}
		if len(reasons) > 0 && aws.ToString(reasons[0].Code) == "ConditionalCheckFailed" {
			return errRecordExists
		}
		if attempt == chainAttempts {
			return fmt.Errorf("appending to the hash chain: %d writers kept taking the next link first: %w", attempt, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay/2 + mrand.N(delay)):
		}
		delay = min(2*delay, 500*time.Millisecond)
	}
}

// putNew is the write of an item that must not exist yet.
func (s *Store) putNew(item map[string]types.AttributeValue) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{
		TableName:           aws.String(s.loc.Table),
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	}}
}

// requestToken makes a random token: a transaction's idempotency token,
// or a write's own token on its links.
func requestToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// chainHead returns the last link, or the zero Link for an empty chain.
func (s *Store) chainHead(ctx context.Context) (ledger.Link, error) {
	out, err := s.client.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(s.loc.Table),
		ConsistentRead:            aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": attrS(chainPK)},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(1),
	})
	if err != nil {
		return ledger.Link{}, fmt.Errorf("reading the head of the hash chain: %w", err)
	}
	if len(out.Items) == 0 {
		return ledger.Link{}, nil
	}
	var l ledger.Link
	if err := unmarshalItem(out.Items[0], &l); err != nil {
		return ledger.Link{}, fmt.Errorf("decoding %s: %w", describeItem(out.Items[0]), err)
	}
	return l, nil
}

// ReadChain reads every link and every record of history with one scan of
// the table. A scan is not a snapshot: verify while nothing writes, or
// expect a record written during the scan to show without its link.
func (s *Store) ReadChain(ctx context.Context) (ledger.Chain, error) {
	var c ledger.Chain
	p := dynamodb.NewScanPaginator(s.client, &dynamodb.ScanInput{
		TableName:      aws.String(s.loc.Table),
		ConsistentRead: aws.Bool(true),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return ledger.Chain{}, fmt.Errorf("reading the hash chain: %w", err)
		}
		for _, item := range page.Items {
			if err := collectItem(&c, item); err != nil {
				return ledger.Chain{}, fmt.Errorf("reading the hash chain: %w", err)
			}
		}
	}
	slices.SortFunc(c.Links, func(a, b ledger.Link) int { return cmp.Compare(a.Seq, b.Seq) })
	return c, nil
}

// collectItem adds what one item holds to c: a link, or records of history.
func collectItem(c *ledger.Chain, item map[string]types.AttributeValue) error {
	pk, _ := item["pk"].(*types.AttributeValueMemberS)
	if pk == nil {
		return fmt.Errorf("%s has no partition key", describeItem(item))
	}
	kind, _, _ := strings.Cut(pk.Value, "#")
	var (
		e   ledger.Entry
		err error
	)
	switch kind {
	case chainPK:
		var l ledger.Link
		if err := unmarshalItem(item, &l); err != nil {
			return fmt.Errorf("decoding %s: %w", describeItem(item), err)
		}
		c.Links = append(c.Links, l)
		return nil
	case "release":
		var r ledger.Release
		if r, err = decodeRelease(item); err == nil {
			e, err = ledger.ReleaseEntry(r)
		}
	case "deployment":
		var d ledger.Deployment
		if err = unmarshalItem(item, &d); err == nil {
			e, err = ledger.DeploymentEntry(d)
		}
	case "revocation":
		var r ledger.Revocation
		if err = unmarshalItem(item, &r); err == nil {
			e, err = ledger.RevocationEntry(r)
		}
	case "amiremoval":
		var r ledger.AMIRemoval
		if err = unmarshalItem(item, &r); err == nil {
			e, err = ledger.AMIRemovalEntry(r)
		}
	case "approvals":
		var as []ledger.Approval
		if err := unmarshalValue(item["approvals"], &as); err != nil {
			return fmt.Errorf("decoding %s: %w", describeItem(item), err)
		}
		for _, a := range as {
			if e, err = ledger.ApprovalEntry(a); err != nil {
				return err
			}
			c.Entries = append(c.Entries, e)
		}
		return nil
	case "pins":
		var ps []ledger.Pin
		if err := unmarshalValue(item["pins"], &ps); err != nil {
			return fmt.Errorf("decoding %s: %w", describeItem(item), err)
		}
		for _, p := range ps {
			if e, err = ledger.PinEntry(p); err != nil {
				return err
			}
			c.Entries = append(c.Entries, e)
		}
		return nil
	case "freezes":
		var fs []ledger.Freeze
		if err := unmarshalValue(item["freezes"], &fs); err != nil {
			return fmt.Errorf("decoding %s: %w", describeItem(item), err)
		}
		for _, f := range fs {
			if e, err = ledger.FreezeEntry(f); err != nil {
				return err
			}
			c.Entries = append(c.Entries, e)
		}
		return nil
	default: // locks and the deployment id counter are not history
		return nil
	}
	if err != nil {
		return fmt.Errorf("decoding %s: %w", describeItem(item), err)
	}
	c.Entries = append(c.Entries, e)
	return nil
}
