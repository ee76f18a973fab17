// Package dynamodb is the ledger backend a team shares: one DynamoDB table
// that keeps the ledger.Store contract and the hash chain.
package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/location"
)

// Scheme starts a ledger location that names a DynamoDB table.
const Scheme = location.DynamoDBScheme

// tableActiveTimeout bounds the wait for a table this process created (or
// found being created) to become ACTIVE.
const tableActiveTimeout = 5 * time.Minute

// Store is the ledger a team shares: one DynamoDB table, safe to use from
// any number of processes and machines at once.
//
// Single-table key schema (pk is the partition key, sk the sort key, both
// strings; the type prefix before the first '#' keeps item kinds apart, and
// everything after it is the name, so names may hold any character):
//
//	what                pk                sk                   other attributes
//	release             release#IMAGE     VERSION              the Release fields, by their JSON names
//	deployment          deployment#IMAGE  ENV#ID (20 digits)   the Deployment fields, by their JSON names
//	last deployment id  sequence          deployments          n
//	an image's envs     envs#IMAGE        envs                 envs: a string set; complete
//	lock                lock#KEY          lock                 holder, since, expires
//	approvals           approvals#IMAGE   VERSION              approvals: a list, oldest first
//	revocation          revocation#IMAGE  VERSION              the Revocation fields
//	pins                pins#IMAGE        ENV                  pins: a list, latest last
//	freezes             freezes#ENV       freezes              freezes: a list, latest last (`bake lock`)
//	AMI removal         amiremoval#IMAGE  VERSION              the AMIRemoval fields (`bake gc --amis`)
//	hash chain link     chain             SEQ (20 digits)      the Link fields
//
// Every read is strongly consistent and there are no secondary indexes (their
// reads are only eventually consistent): promote and rollback must see what
// was written a moment before, by this process or another. Releases are
// sorted by semver here, as SQLite does, because no key orders semver.
//
// Every record of history is written in one transaction with its link in
// the hash chain (see record): a conditional put for what must not exist yet
// (release, deployment, revocation, AMI removal) or list_append for approvals, pins and freezes,
// plus the put of the next link on the condition that nobody took it. An
// atomic counter hands out deployment ids; locks are single-item
// conditional writes. No write updates or deletes a record of history;
// only locks, the counter and the list of an image's environments change.
// A foreign-key check (release before deployment, approval or revocation)
// is a read before the write, which is enough because releases are never
// deleted.
type Store struct {
	client dynamoDBClient
	loc    Location
}

var _ ledger.Store = (*Store)(nil)

// dynamoDBClient is the part of the DynamoDB API the ledger calls.
type dynamoDBClient interface {
	dynamodb.DescribeTableAPIClient
	dynamodb.QueryAPIClient
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	UpdateContinuousBackups(ctx context.Context, in *dynamodb.UpdateContinuousBackupsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateContinuousBackupsOutput, error)
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	dynamodb.ScanAPIClient
}

// Location is a parsed dynamodb:// ledger URL.
type Location = location.DynamoDB

// ParseURL reads dynamodb://TABLE?region=REGION&endpoint=URL.
func ParseURL(raw string) (Location, error) { return location.ParseDynamoDB(raw) }

// IsURL reports whether a ledger location names a DynamoDB table.
func IsURL(loc string) bool { return location.IsDynamoDB(loc) }

// Open opens the ledger in the table at loc, creating the table
// (on-demand billing) if it does not exist and waiting until it is ACTIVE.
// Credentials, and the region and endpoint when loc leaves them out, come
// from the SDK's usual sources (AWS_REGION, AWS_ENDPOINT_URL, profiles,
// instance roles).
func Open(ctx context.Context, loc Location) (*Store, error) {
	return OpenCounting(ctx, loc, true, nil)
}

// OpenExisting opens the ledger in the table at loc as Open
// does, but creates no table: where there is none it returns a
// NoLedgerError (ErrNoLedger).
func OpenExisting(ctx context.Context, loc Location) (*Store, error) {
	return OpenCounting(ctx, loc, false, nil)
}

// OpenCounting is Open when create is set, else OpenExisting, and counts
// the ledger's DynamoDB calls in calls when it is not nil.
func OpenCounting(ctx context.Context, loc Location, create bool, calls *awsx.Calls) (*Store, error) {
	cfg, err := awsx.Load(ctx, awsx.Settings{Region: loc.Region, Endpoint: loc.Endpoint}, calls)
	if errors.Is(err, awsx.ErrNoRegion) {
		return nil, fmt.Errorf("opening ledger %s: no AWS region: add ?region=REGION to the ledger URL, set aws.region in bake.yaml, or set AWS_REGION", loc)
	}
	if err != nil {
		return nil, fmt.Errorf("opening ledger %s: %w", loc, err)
	}
	client := dynamodb.NewFromConfig(cfg)
	s := &Store{client: client, loc: loc}
	if err := s.ensureTable(ctx, create); err != nil {
		if errors.Is(err, ledger.ErrNoLedger) {
			return nil, err
		}
		return nil, fmt.Errorf("opening ledger %s: %w", loc, err)
	}
	return s, nil
}

// Location returns where the ledger is.
func (s *Store) Location() Location { return s.loc }

// Close releases nothing: the SDK client holds only idle HTTP connections.
func (s *Store) Close() error { return nil }

// ensureTable creates the table unless it exists (or, with create false,
// says there is no ledger), waits until it is ACTIVE, and refuses a table
// whose keys are not the ledger's.
func (s *Store) ensureTable(ctx context.Context, create bool) error {
	in := &dynamodb.DescribeTableInput{TableName: aws.String(s.loc.Table)}
	out, err := s.client.DescribeTable(ctx, in)
	var missing *types.ResourceNotFoundException
	created := false
	if errors.As(err, &missing) && !create {
		return &ledger.NoLedgerError{Location: s.loc.String()}
	}
	if errors.As(err, &missing) {
		// The ledger is the record of what ran where: deleting its table
		// takes a deliberate second step (turning protection off).
		_, err = s.client.CreateTable(ctx, &dynamodb.CreateTableInput{
			TableName:                 aws.String(s.loc.Table),
			BillingMode:               types.BillingModePayPerRequest,
			DeletionProtectionEnabled: aws.Bool(true),
			AttributeDefinitions: []types.AttributeDefinition{
				{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
				{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
			},
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
			},
		})
		// Another process creating the same table at the same moment is fine.
		var inUse *types.ResourceInUseException
		if err != nil && !errors.As(err, &inUse) {
			return fmt.Errorf("creating table %q: %w", s.loc.Table, err)
		}
		created = err == nil
		out = nil
	} else if err != nil {
		return fmt.Errorf("describing table %q: %w", s.loc.Table, err)
	}
	if out == nil || out.Table.TableStatus != types.TableStatusActive {
		waiter := dynamodb.NewTableExistsWaiter(s.client, func(o *dynamodb.TableExistsWaiterOptions) {
			o.MinDelay, o.MaxDelay = time.Second, 5*time.Second
		})
		if out, err = waiter.WaitForOutput(ctx, in, tableActiveTimeout); err != nil {
			return fmt.Errorf("waiting for table %q to become active: %w", s.loc.Table, err)
		}
	}
	if err := checkKeySchema(s.loc.Table, out.Table.KeySchema); err != nil {
		return err
	}
	if created {
		// Point-in-time recovery can only be turned on once the table is
		// active. It lets a ledger that was overwritten be restored as it
		// was at any second of the last 35 days.
		_, err := s.client.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{
			TableName:                        aws.String(s.loc.Table),
			PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)},
		})
		if err != nil {
			return fmt.Errorf("turning on point-in-time recovery of table %q (bake needs dynamodb:UpdateContinuousBackups where it creates the table): %w", s.loc.Table, err)
		}
	}
	return nil
}

// checkKeySchema refuses a table that some other program made.
func checkKeySchema(table string, ks []types.KeySchemaElement) error {
	var hash, rng string
	for _, k := range ks {
		switch k.KeyType {
		case types.KeyTypeHash:
			hash = aws.ToString(k.AttributeName)
		case types.KeyTypeRange:
			rng = aws.ToString(k.AttributeName)
		}
	}
	if hash != "pk" || rng != "sk" {
		return fmt.Errorf("table %q is not a bake ledger: its keys are %q and %q, want \"pk\" and \"sk\"", table, hash, rng)
	}
	return nil
}

// attrS is a string attribute.
func attrS(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func itemKey(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": attrS(pk), "sk": attrS(sk)}
}

// encodeOptions name attributes by the JSON field names and store times
// as FormatTime does (UTC, fixed width), like the SQLite ledger.
func encodeOptions(o *attributevalue.EncoderOptions) {
	o.TagKey = "json"
	o.EncodeTime = func(t time.Time) (types.AttributeValue, error) { return attrS(ledger.FormatTime(t)), nil }
}

// decodeOptions read what encodeOptions wrote; times come back in UTC.
func decodeOptions(o *attributevalue.DecoderOptions) {
	o.TagKey = "json"
	o.DecodeTime.S = ledger.ParseTime
}

// marshalItem encodes v as an item with the given keys.
func marshalItem(pk, sk string, v any) (map[string]types.AttributeValue, error) {
	item, err := attributevalue.MarshalMapWithOptions(v, encodeOptions)
	if err != nil {
		return nil, err
	}
	item["pk"], item["sk"] = attrS(pk), attrS(sk)
	return item, nil
}

// unmarshalItem decodes an item written by marshalItem; the keys are ignored.
func unmarshalItem(item map[string]types.AttributeValue, v any) error {
	return attributevalue.UnmarshalMapWithOptions(item, v, decodeOptions)
}

// marshalValue encodes v as one attribute value, such as a list element.
func marshalValue(v any) (types.AttributeValue, error) {
	return attributevalue.MarshalWithOptions(v, encodeOptions)
}

// unmarshalValue decodes an attribute value written by marshalValue.
func unmarshalValue(av types.AttributeValue, v any) error {
	return attributevalue.UnmarshalWithOptions(av, v, decodeOptions)
}

// query visits the items of partition pk whose sort key begins with
// skPrefix ("" for all), in sort-key order or, with newestFirst, the
// reverse, until visit returns false.
func (s *Store) query(ctx context.Context, pk, skPrefix string, newestFirst bool,
	visit func(map[string]types.AttributeValue) (more bool, err error)) error {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.loc.Table),
		ConsistentRead:            aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": attrS(pk)},
		ScanIndexForward:          aws.Bool(!newestFirst),
	}
	if skPrefix != "" {
		in.KeyConditionExpression = aws.String("pk = :pk AND begins_with(sk, :prefix)")
		in.ExpressionAttributeValues[":prefix"] = attrS(skPrefix)
	}
	p := dynamodb.NewQueryPaginator(s.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, item := range page.Items {
			more, err := visit(item)
			if err != nil || !more {
				return err
			}
		}
	}
	return nil
}

// describeItem names an item by its keys, for errors.
func describeItem(item map[string]types.AttributeValue) string {
	var keys [2]string
	for i, name := range []string{"pk", "sk"} {
		if v, ok := item[name].(*types.AttributeValueMemberS); ok {
			keys[i] = v.Value
		}
	}
	return fmt.Sprintf("item %q %q", keys[0], keys[1])
}

// getItem reads one item with a strongly consistent read; nil if absent.
func (s *Store) getItem(ctx context.Context, pk, sk string) (map[string]types.AttributeValue, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.loc.Table),
		Key:            itemKey(pk, sk),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	if len(out.Item) == 0 {
		return nil, nil
	}
	return out.Item, nil
}

// requireRelease fails with ErrNotFound unless image@version is recorded:
// the foreign key SQLite enforces itself. Releases are never deleted, so
// what it finds still holds for the write that follows.
func (s *Store) requireRelease(ctx context.Context, image, version string) error {
	item, err := s.getItem(ctx, releasePK(image), version)
	if err != nil {
		return fmt.Errorf("reading release %s@%s: %w", image, version, err)
	}
	if item == nil {
		return fmt.Errorf("release %s@%s: %w", image, version, ledger.ErrNotFound)
	}
	return nil
}

// isConditionFailed reports whether a single-item write failed its condition.
func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// CheckWritable reports whether the table answers: DynamoDB has no disk
// of its own to fill.
func (s *Store) CheckWritable(ctx context.Context) error {
	_, err := s.chainHead(ctx)
	return err
}
