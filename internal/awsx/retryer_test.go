package awsx

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRefusedConnectionFailsFast tries a port nothing listens on as many
// times as bake does by default, within a deadline the SDK's backoff alone
// would outlast, and names the endpoint and what it did.
func TestRefusedConnectionFailsFast(t *testing.T) {
	testCredentials(t)
	t.Setenv("AWS_MAX_ATTEMPTS", "")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	endpoint := "http://" + l.Addr().String()
	require.NoError(t, l.Close())

	cfg, err := Load(context.Background(), Settings{Region: "us-east-1", Endpoint: endpoint}, nil)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err = dynamodb.NewFromConfig(cfg).ListTables(ctx, &dynamodb.ListTablesInput{})
	var e *EndpointError
	require.True(t, errors.As(err, &e), "%v", err)
	assert.Equal(t, &EndpointError{Endpoint: endpoint, Reason: "connection refused", Attempts: MaxAttempts}, e)
}

// TestDeadlineNamesTheEndpoint ends the retries of a failing endpoint with
// the caller's deadline: the error still names the endpoint and its answer,
// not the SDK's "request canceled, context deadline exceeded".
func TestDeadlineNamesTheEndpoint(t *testing.T) {
	testCredentials(t)
	t.Setenv("AWS_MAX_ATTEMPTS", "")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}))
	defer srv.Close()

	cfg, err := Load(context.Background(), Settings{Region: "us-east-1", Endpoint: srv.URL}, nil)
	require.NoError(t, err)
	// The first retry's backoff is up to a second: the deadline ends a wait.
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	_, err = dynamodb.NewFromConfig(cfg).ListTables(ctx, &dynamodb.ListTablesInput{})
	var e *EndpointError
	require.True(t, errors.As(err, &e), "%v", err)
	assert.Equal(t, srv.URL, e.Endpoint)
	assert.Equal(t, http.StatusServiceUnavailable, e.Status)
	assert.Positive(t, e.Attempts)
	assert.NotContains(t, err.Error(), "canceled")
}

// TestCancelledCallStaysCancelled: an interrupted run is not an endpoint
// failure.
func TestCancelledCallStaysCancelled(t *testing.T) {
	testCredentials(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	cfg, err := Load(context.Background(), Settings{Region: "us-east-1", Endpoint: srv.URL}, nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	_, err = dynamodb.NewFromConfig(cfg).ListTables(ctx, &dynamodb.ListTablesInput{})
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrEndpoint)
}
