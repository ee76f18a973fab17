package awsx

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// listTables calls DynamoDB ListTables on endpoint with AWS_MAX_ATTEMPTS=2.
func listTables(t *testing.T, endpoint string) error {
	t.Helper()
	testCredentials(t)
	t.Setenv("AWS_MAX_ATTEMPTS", "2")
	cfg, err := Load(context.Background(), Settings{Region: "us-east-1", Endpoint: endpoint}, nil)
	require.NoError(t, err)
	_, err = dynamodb.NewFromConfig(cfg).ListTables(context.Background(), &dynamodb.ListTablesInput{})
	return err
}

// TestEndpointAnswers503 fails every call with 503: AWS_MAX_ATTEMPTS bounds
// the attempts, and the error names the endpoint and its answer.
func TestEndpointAnswers503(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "<html>busy</html>", http.StatusServiceUnavailable)
	}))
	defer srv.Close()

	err := listTables(t, srv.URL)
	assert.EqualValues(t, 2, hits.Load(), "AWS_MAX_ATTEMPTS=2")
	require.ErrorIs(t, err, ErrEndpoint)
	var e *EndpointError
	require.True(t, errors.As(err, &e))
	assert.Equal(t, &EndpointError{Endpoint: srv.URL, Status: 503, Attempts: 2}, e)
	assert.Equal(t, "AWS endpoint "+srv.URL+" answered 503 Service Unavailable after 2 attempts: "+
		"the service is failing; run the same command again once it recovers", e.Error())
}

// TestEndpointUnreachable calls a port nothing listens on.
func TestEndpointUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	endpoint := "http://" + l.Addr().String()
	require.NoError(t, l.Close())

	err = listTables(t, endpoint)
	var e *EndpointError
	require.True(t, errors.As(err, &e), "%v", err)
	assert.Equal(t, &EndpointError{Endpoint: endpoint, Reason: "connection refused", Attempts: 2}, e)
	assert.Contains(t, err.Error(), "AWS endpoint "+endpoint+" is unreachable (connection refused) after 2 attempts: "+
		"check the endpoint and the network, then run the same command again")
	assert.NotContains(t, err.Error(), "dial tcp")
}

// TestAPIErrorPasses keeps what the service said about the request.
func TestAPIErrorPasses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#ValidationException","message":"bad limit"}`))
	}))
	defer srv.Close()

	err := listTables(t, srv.URL)
	assert.NotErrorIs(t, err, ErrEndpoint)
	var api smithy.APIError
	require.True(t, errors.As(err, &api), "%v", err)
	assert.Equal(t, "ValidationException", api.ErrorCode())
}
