package e2e

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSweepAWSWithoutLedger: a project that has recorded nothing has no
// ledger, and `sweep --aws` still looks for leftovers (none of them can be
// recorded) without creating one.
func TestSweepAWSWithoutLedger(t *testing.T) {
	t.Parallel()
	p := newAWSProject(t)
	p.writeScript("echo web > /etc/bake-release\n")
	res := mustBakeAWS(t, p, "sweep", "--aws", "--dry-run", "--older-than", "0s")
	assert.Contains(t, res.stdout, "nothing to sweep")

	tables, err := dynamodb.NewFromConfig(p.aws.Config).ListTables(t.Context(), &dynamodb.ListTablesInput{})
	require.NoError(t, err)
	assert.NotContains(t, tables.TableNames, p.name+"-ledger", "sweep created no ledger")
}
