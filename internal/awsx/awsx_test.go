package awsx

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testCredentials(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
}

// TestEndpointRetriesAndCounts sends a call to a local endpoint that fails
// twice with a retryable error: the SDK retries, and every attempt counts.
func TestEndpointRetriesAndCounts(t *testing.T) {
	testCredentials(t)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = w.Write([]byte(`{"TableNames":["ledger"]}`))
	}))
	defer srv.Close()

	calls := &Calls{}
	cfg, err := Load(context.Background(), Settings{Region: "us-east-1", Endpoint: srv.URL}, calls)
	require.NoError(t, err)
	out, err := dynamodb.NewFromConfig(cfg).ListTables(context.Background(), &dynamodb.ListTablesInput{})
	require.NoError(t, err)
	assert.Equal(t, []string{"ledger"}, out.TableNames)
	assert.EqualValues(t, 3, hits.Load())
	assert.Equal(t, 3, calls.Total())
	assert.Equal(t, map[string]int{"DynamoDB.ListTables": 3}, calls.ByOperation())
	assert.Equal(t, "eu-west-1", InRegion(cfg, "eu-west-1").Region)
	assert.Equal(t, "us-east-1", cfg.Region, "InRegion copies")
}

func TestNoRegion(t *testing.T) {
	testCredentials(t)
	_, err := Load(context.Background(), Settings{}, nil)
	assert.ErrorIs(t, err, ErrNoRegion)
}
