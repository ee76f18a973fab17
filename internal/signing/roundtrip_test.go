package signing

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/dynamodb"
	"github.com/bakehq/bake/internal/ledger/sqlite"
	"github.com/bakehq/bake/internal/mototest"
	"github.com/bakehq/bake/internal/signing/keys"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

// roundTripReleases are releases as bake records them, and the shapes a
// ledger normalises: local times, nanoseconds, no checks, no AMIs, a
// check detail quoting output that is not UTF-8.
func roundTripReleases() []ledger.Release {
	image := sampleRelease()
	image.AMIs = nil
	image.CreatedAt = time.Now().In(time.FixedZone("UTC+5", 5*3600))
	image.Provenance.BuiltAt = time.Now().Local()

	unchecked := sampleRelease()
	unchecked.Version, unchecked.Checks, unchecked.AMIs = "1.3.0", nil, map[string]string{}
	unchecked.Provenance = ledger.Provenance{}

	amis := sampleRelease()
	amis.Version, amis.Reference, amis.Status = "1.4.0", "", ledger.StatusFailed
	amis.Checks[1].Passed, amis.Checks[1].Detail = false, "stdout was \xff\xfe\x00 not 1.4.0"
	return []ledger.Release{image, unchecked, amis}
}

// assertRoundTrip signs releases, records them in store, reads each back
// every way the ledger offers, and expects every one to verify.
func assertRoundTrip(t *testing.T, store ledger.Store) {
	t.Helper()
	ctx := context.Background()
	priv, pub := newKey(t)
	s := NewSigner(priv, "test")
	for _, rel := range roundTripReleases() {
		sealed, err := s.Seal(rel)
		require.NoError(t, err)
		require.NoError(t, store.PutRelease(ctx, sealed))

		got, err := store.Release(ctx, rel.Image, rel.Version)
		require.NoError(t, err)
		assert.Equal(t, sealed.Signature, got.Signature)
		assert.NoError(t, Verify([]keys.PublicKey{pub}, got), "%s@%s read back", rel.Image, rel.Version)
	}
	all, err := store.Releases(ctx, "hello")
	require.NoError(t, err)
	require.Len(t, all, 3)
	for _, rel := range all {
		assert.NoError(t, Verify([]keys.PublicKey{pub}, rel), "%s@%s listed", rel.Image, rel.Version)
	}
	byInputs, err := store.ReleaseByInputs(ctx, "hello", sampleRelease().InputsDigest)
	require.NoError(t, err)
	assert.NoError(t, Verify([]keys.PublicKey{pub}, byInputs))
}

func TestRoundTripSQLite(t *testing.T) {
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "ledger.db"))
	require.NoError(t, err)
	defer store.Close()
	assertRoundTrip(t, store)
}

func TestRoundTripDynamoDB(t *testing.T) {
	loc := dynamodb.Location{
		Table:  fmt.Sprintf("bake-signing-test-%d", time.Now().UnixNano()),
		Region: "us-east-1", Endpoint: mototest.Endpoint(t),
	}
	store, err := dynamodb.Open(context.Background(), loc)
	require.NoError(t, err)
	defer store.Close()
	assertRoundTrip(t, store)
}
