package ledger_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
)

func TestDynamoDBChainFindsTampering(t *testing.T) {
	motoEndpoint(t)
	runTamperSuite(t, func(t *testing.T) (ledger.Store, tamperer) {
		table := uniqueTable(t)
		return openDynamoDB(t, dynamoDBURL(t, table)), dynamoTamperer{rawDynamoDB(t), table}
	})
}

// dynamoTamperer edits the table with plain DynamoDB calls, as anyone with
// write access to it can.
type dynamoTamperer struct {
	client *dynamodb.Client
	table  string
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk},
		"sk": &types.AttributeValueMemberS{Value: sk},
	}
}

// set runs an update expression that sets one string value :v; #a names
// attribute, for names DynamoDB reserves.
func (tm dynamoTamperer) set(t *testing.T, pk, sk, expr, attribute, value string) {
	_, err := tm.client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
		TableName:                 aws.String(tm.table),
		Key:                       key(pk, sk),
		UpdateExpression:          aws.String(expr),
		ExpressionAttributeNames:  map[string]string{"#a": attribute},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberS{Value: value}},
	})
	require.NoError(t, err)
}

func (tm dynamoTamperer) editReleaseDigest(t *testing.T, image, version, digest string) {
	tm.set(t, "release#"+image, version, "SET #a = :v", "digest", digest)
}

func (tm dynamoTamperer) deleteDeployment(t *testing.T, d ledger.Deployment) {
	_, err := tm.client.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{
		TableName: aws.String(tm.table),
		Key:       key("deployment#"+d.Image, fmt.Sprintf("%s#%020d", d.Env, d.ID)),
	})
	require.NoError(t, err)
}

func (tm dynamoTamperer) editApprover(t *testing.T, image, version string, index int, by string) {
	tm.set(t, "approvals#"+image, version, fmt.Sprintf("SET approvals[%d].#a = :v", index), "by", by)
}

func (tm dynamoTamperer) deleteLastLink(t *testing.T) {
	out, err := tm.client.Query(t.Context(), &dynamodb.QueryInput{
		TableName:                 aws.String(tm.table),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "chain"}},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(1),
	})
	require.NoError(t, err)
	require.Len(t, out.Items, 1)
	_, err = tm.client.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{
		TableName: aws.String(tm.table),
		Key:       map[string]types.AttributeValue{"pk": out.Items[0]["pk"], "sk": out.Items[0]["sk"]},
	})
	require.NoError(t, err)
}
