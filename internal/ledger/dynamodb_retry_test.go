package ledger_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
)

// answerLoser sits between the ledger and moto. Once armed, it passes the
// next TransactWriteItems on to moto, which commits it, and answers the
// ledger with a 500 instead of moto's answer, as a connection that fails
// after the write does; the SDK then retries the same request. moto
// ignores ClientRequestToken, so the retry meets the state the first try
// left.
type answerLoser struct {
	armed    atomic.Bool
	lost     atomic.Int64 // answers dropped
	transact atomic.Int64 // TransactWriteItems requests seen
}

// endpoint starts the proxy in front of moto and returns its URL.
func (a *answerLoser) endpoint(t *testing.T) string {
	u, err := url.Parse(motoEndpoint(t))
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".TransactWriteItems") {
			proxy.ServeHTTP(w, r)
			return
		}
		a.transact.Add(1)
		if !a.armed.CompareAndSwap(true, false) {
			proxy.ServeHTTP(w, r)
			return
		}
		moto := httptest.NewRecorder()
		proxy.ServeHTTP(moto, r)
		if moto.Code != http.StatusOK {
			t.Errorf("moto refused the transaction whose answer was to be lost: %d %s", moto.Code, moto.Body)
		}
		a.lost.Add(1)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"the answer was lost"}`)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// A write whose first try committed but whose answer was lost is retried
// by the SDK; the ledger must report it written, once, and still refuse a
// genuine second write of the same release.
func TestDynamoDBRetriedWriteLandsOnce(t *testing.T) {
	tests := []struct {
		name  string
		write func(ctx context.Context, s ledger.Store) error
		check func(t *testing.T, s ledger.Store)
	}{
		{"release", func(ctx context.Context, s ledger.Store) error {
			return s.PutRelease(ctx, release("web", "2.0.0"))
		}, func(t *testing.T, s ledger.Store) {
			rs, err := s.Releases(t.Context(), "web")
			require.NoError(t, err)
			assert.Len(t, rs, 2)
		}},
		{"approval", func(ctx context.Context, s ledger.Store) error {
			return s.Approve(ctx, ledger.Approval{Image: "web", Version: "1.0.0", Env: "prod", By: "ana", At: t0})
		}, func(t *testing.T, s ledger.Store) {
			as, err := s.Approvals(t.Context(), "web", "1.0.0")
			require.NoError(t, err)
			assert.Len(t, as, 1)
		}},
		{"freeze", func(ctx context.Context, s ledger.Store) error {
			return s.SetFreeze(ctx, ledger.Freeze{Env: "prod", Locked: true, Reason: "incident", By: "ana", At: t0})
		}, func(t *testing.T, s ledger.Store) {
			fs, err := s.Freezes(t.Context(), "prod")
			require.NoError(t, err)
			assert.Len(t, fs, 1)
		}},
		{"deployment with its pin", func(ctx context.Context, s ledger.Store) error {
			pin := ledger.Pin{Image: "web", Env: "prod", Version: "1.0.0", Pinned: true, Reason: "hold", By: "ops", At: t0}
			_, err := s.RecordDeployment(ctx, deployment("prod", "web", "1.0.0", 0), &pin)
			return err
		}, func(t *testing.T, s ledger.Store) {
			ds, err := s.Deployments(t.Context(), "web", "prod")
			require.NoError(t, err)
			assert.Len(t, ds, 1)
			p, err := s.Pin(t.Context(), "web", "prod")
			require.NoError(t, err)
			assert.True(t, p.Pinned)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var loser answerLoser
			s := openDynamoDB(t, fmt.Sprintf("dynamodb://%s?region=%s&endpoint=%s", uniqueTable(t), testRegion, loser.endpoint(t)))
			seedReleases(t, s, "web", "1.0.0")
			before := loser.transact.Load()

			loser.armed.Store(true)
			require.NoError(t, tt.write(t.Context(), s), "a retry of a write that landed is that write, not a duplicate")
			require.EqualValues(t, 1, loser.lost.Load(), "the answer of the first try was lost")
			require.Greater(t, loser.transact.Load()-before, int64(1), "the SDK retried the transaction")
			tt.check(t, s)

			c, err := s.ReadChain(t.Context())
			require.NoError(t, err)
			assert.Len(t, c.Entries, len(c.Links), "every record has one link")
			rep := ledger.Verify(c, "")
			assert.True(t, rep.OK(), "verify: %v", rep.Problems)
		})
	}

	t.Run("a second put of the same release", func(t *testing.T) {
		var loser answerLoser
		s := openDynamoDB(t, fmt.Sprintf("dynamodb://%s?region=%s&endpoint=%s", uniqueTable(t), testRegion, loser.endpoint(t)))
		loser.armed.Store(true)
		require.NoError(t, s.PutRelease(t.Context(), release("web", "1.0.0")))
		require.EqualValues(t, 1, loser.lost.Load())
		err := s.PutRelease(t.Context(), release("web", "1.0.0"))
		require.ErrorIs(t, err, ledger.ErrExists, "the same release recorded again by another write is a duplicate")
	})
}
