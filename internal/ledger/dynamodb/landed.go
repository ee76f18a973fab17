package dynamodb

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// writeTokenAttr names the attribute of a link that holds the token of the
// write that added it. It is not a field of ledger.Link, so no hash covers
// it: it says which call wrote the link, not what the ledger holds.
const writeTokenAttr = "writeToken"

// landed reports whether the write whose token is token already added the
// link seq, and so, the transaction being atomic, everything with it.
//
// The SDK retries a transaction whose answer was lost or late; when the
// first try had in fact committed, the retry fails its own conditions
// (the record exists, the link is taken) unless the service dedupes it by
// ClientRequestToken, which real DynamoDB does for 10 minutes and moto not
// at all. Reading the link back tells that retry apart from a genuine
// duplicate, whose links, if any, carry another write's token. Contents
// are never compared: recording the same release twice is a duplicate.
func (s *Store) landed(ctx context.Context, seq int64, token string) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	item, err := s.getItem(ctx, chainPK, chainSK(seq))
	if err != nil {
		return false, fmt.Errorf("reading link %d: %w", seq, err)
	}
	got, _ := item[writeTokenAttr].(*types.AttributeValueMemberS)
	return got != nil && got.Value == token, nil
}
