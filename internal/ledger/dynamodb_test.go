package ledger_test

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
	ledgerddb "github.com/bakehq/bake/internal/ledger/dynamodb"
)

const testRegion = "us-east-1"

func TestDynamoDBContract(t *testing.T) {
	motoEndpoint(t) // skip once, not in every case, without moto_server
	runStoreContract(t, func(t *testing.T) func() ledger.Store {
		ledgerURL := dynamoDBURL(t, uniqueTable(t))
		return func() ledger.Store { return openDynamoDB(t, ledgerURL) }
	})
}

// dynamoDBURL is the ledger URL of table on this binary's moto_server.
func dynamoDBURL(t *testing.T, table string) string {
	return fmt.Sprintf("dynamodb://%s?region=%s&endpoint=%s", table, testRegion, motoEndpoint(t))
}

// openDynamoDB opens the ledger at ledgerURL and closes it when the test ends.
func openDynamoDB(t *testing.T, ledgerURL string) *ledgerddb.Store {
	t.Helper()
	loc, err := ledgerddb.ParseURL(ledgerURL)
	require.NoError(t, err)
	s, err := ledgerddb.Open(t.Context(), loc)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, s.Close()) })
	return s
}

// rawDynamoDB is a client of moto that bypasses the Store.
func rawDynamoDB(t *testing.T) *dynamodb.Client {
	endpoint := motoEndpoint(t)
	cfg, err := awsconfig.LoadDefaultConfig(t.Context(), awsconfig.WithRegion(testRegion))
	require.NoError(t, err)
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(endpoint) })
}

func TestOpenDynamoDBCreatesTableOnce(t *testing.T) {
	ctx := t.Context()
	table := uniqueTable(t)
	ledgerURL := dynamoDBURL(t, table)
	loc, err := ledgerddb.ParseURL(ledgerURL)
	require.NoError(t, err)

	// Processes racing to open a new ledger create its table once, and all of them open it.
	const n = 5
	stores := make([]*ledgerddb.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = ledgerddb.Open(ctx, loc) })
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i], "opener %d", i)
		assert.Equal(t, loc, stores[i].Location())
	}
	require.NoError(t, stores[0].PutRelease(ctx, release("web", "1.0.0")))

	out, err := rawDynamoDB(t).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	require.NoError(t, err)
	assert.Equal(t, types.TableStatusActive, out.Table.TableStatus)
	require.NotNil(t, out.Table.BillingModeSummary)
	assert.Equal(t, types.BillingModePayPerRequest, out.Table.BillingModeSummary.BillingMode)

	// The record survives a mistaken or hostile DeleteTable, and can be
	// restored as it was before an overwrite.
	assert.Equal(t, aws.Bool(true), out.Table.DeletionProtectionEnabled)
	_, err = rawDynamoDB(t).DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(table)})
	require.Error(t, err, "a protected table is not deleted")
	backups, err := rawDynamoDB(t).DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String(table)})
	require.NoError(t, err)
	assert.Equal(t, types.PointInTimeRecoveryStatusEnabled, backups.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus)

	got, err := openDynamoDB(t, ledgerURL).Release(ctx, "web", "1.0.0")
	require.NoError(t, err, "a reopened ledger keeps its records")
	assert.Equal(t, "1.0.0", got.Version)
}

func TestOpenDynamoDBRefusesForeignTable(t *testing.T) {
	ctx := t.Context()
	table := uniqueTable(t)
	_, err := rawDynamoDB(t).CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
	})
	require.NoError(t, err)

	_, err = ledgerddb.Open(ctx, ledgerddb.Location{Table: table, Region: testRegion, Endpoint: motoEndpoint(t)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), fmt.Sprintf("table %q is not a bake ledger", table))
}

func TestOpenDynamoDBEndpointFromEnvironment(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", motoEndpoint(t))
	s := openDynamoDB(t, fmt.Sprintf("dynamodb://%s?region=%s", uniqueTable(t), testRegion))
	require.NoError(t, s.PutRelease(t.Context(), release("web", "1.0.0")))
}

func TestOpenDynamoDBNeedsARegion(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	_, err := ledgerddb.Open(context.Background(), ledgerddb.Location{Table: "bake-ledger", Endpoint: "http://127.0.0.1:1"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no AWS region")
}

func TestParseDynamoDBURL(t *testing.T) {
	tests := []struct {
		name, url string
		want      ledgerddb.Location
		err       string
	}{
		{name: "table and region", url: "dynamodb://bake-ledger?region=eu-west-1",
			want: ledgerddb.Location{Table: "bake-ledger", Region: "eu-west-1"}},
		{name: "endpoint", url: "dynamodb://bake-ledger?region=us-east-1&endpoint=http://127.0.0.1:5001",
			want: ledgerddb.Location{Table: "bake-ledger", Region: "us-east-1", Endpoint: "http://127.0.0.1:5001"}},
		{name: "escaped endpoint", url: "dynamodb://Bake_Ledger.v1?endpoint=https%3A%2F%2Fddb.example.test",
			want: ledgerddb.Location{Table: "Bake_Ledger.v1", Endpoint: "https://ddb.example.test"}},
		{name: "endpoint with a query", url: "dynamodb://bake-ledger?endpoint=" + url.QueryEscape("http://127.0.0.1:5001/?a=1&b=2"),
			want: ledgerddb.Location{Table: "bake-ledger", Endpoint: "http://127.0.0.1:5001/?a=1&b=2"}},
		{name: "trailing slash", url: "dynamodb://bake-ledger/", want: ledgerddb.Location{Table: "bake-ledger"}},
		{name: "no table", url: "dynamodb://?region=us-east-1", err: `table name "" must be 3 to 255`},
		{name: "short table", url: "dynamodb://ab", err: `table name "ab" must be 3 to 255`},
		{name: "path", url: "dynamodb://bake/ledger", err: "want dynamodb://TABLE?region=REGION"},
		{name: "port", url: "dynamodb://bake:8000", err: "want dynamodb://TABLE?region=REGION"},
		{name: "credentials", url: "dynamodb://key:secret@bake-ledger", err: "credentials do not belong in the ledger URL"},
		{name: "credentials in endpoint", url: "dynamodb://bake-ledger?endpoint=http://key:secret@127.0.0.1", err: "credentials do not belong"},
		{name: "unknown parameter", url: "dynamodb://bake-ledger?regoin=us-east-1", err: `unknown parameter "regoin"; expected region or endpoint`},
		{name: "empty region", url: "dynamodb://bake-ledger?region=", err: "give region once, with a value"},
		{name: "region twice", url: "dynamodb://bake-ledger?region=a&region=b", err: "give region once, with a value"},
		{name: "not a region", url: "dynamodb://bake-ledger?region=us_east_1", err: `region "us_east_1" is not an AWS region name`},
		{name: "endpoint not http", url: "dynamodb://bake-ledger?endpoint=127.0.0.1:5001", err: `endpoint "127.0.0.1:5001" is not an http or https URL`},
		{name: "other scheme", url: "s3://bake-ledger", err: "not a DynamoDB ledger URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ledgerddb.ParseURL(tt.url)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				assert.NotContains(t, err.Error(), "secret")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			again, err := ledgerddb.ParseURL(got.String())
			require.NoError(t, err, got.String())
			assert.Equal(t, got, again, "String gives back the same location")
		})
	}
}

// A page across environments reads each environment's page through the
// image's list of environments; a table whose deployments were recorded
// before that list existed gets it filled from the whole history once.
func TestDynamoDBPageAcrossEnvsOfAnOlderTable(t *testing.T) {
	ctx := t.Context()
	table := uniqueTable(t)
	s := openDynamoDB(t, dynamoDBURL(t, table))
	seedReleases(t, s, "web", "1.0.0")
	for i, env := range []string{"dev", "qa", "dev"} {
		_, err := s.AppendDeployment(ctx, deployment(env, "web", "1.0.0", i))
		require.NoError(t, err)
	}
	raw := rawDynamoDB(t)
	key := map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "envs#web"}, "sk": &types.AttributeValueMemberS{Value: "envs"}}
	_, err := raw.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: key})
	require.NoError(t, err)
	_, err = s.AppendDeployment(ctx, deployment("prod", "web", "1.0.0", 3))
	require.NoError(t, err)

	all, err := s.Deployments(ctx, "web", "")
	require.NoError(t, err)
	require.Len(t, all, 4)
	for range 2 { // filling the list, then reading it
		page, err := s.DeploymentPage(ctx, ledger.DeploymentQuery{Image: "web", Limit: 10})
		require.NoError(t, err)
		assert.Equal(t, all, page)
	}
	out, err := raw.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
	require.NoError(t, err)
	envs, _ := out.Item["envs"].(*types.AttributeValueMemberSS)
	require.NotNil(t, envs)
	assert.ElementsMatch(t, []string{"dev", "qa", "prod"}, envs.Value)
}
