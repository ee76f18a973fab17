package awsx

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNoCredentials: with nothing in the environment, no shared files and
// no instance metadata, Load says so (ErrNoCredentials) without a call to
// the endpoint; with credentials it makes no call either.
func TestNoCredentials(t *testing.T) {
	testCredentials(t)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_PROFILE", "")
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	s := Settings{Region: "us-east-1", Endpoint: srv.URL}

	calls := &Calls{}
	_, err := Load(context.Background(), s, calls)
	require.NoError(t, err)

	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_SESSION_TOKEN", "")
	_, err = Load(context.Background(), s, calls)
	require.ErrorIs(t, err, ErrNoCredentials)
	assert.Contains(t, err.Error(), "AWS credentials not found: set AWS_PROFILE")
	assert.Zero(t, hits.Load(), "the endpoint is never called")
	assert.Zero(t, calls.Total())
}
