package ledger_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
)

var chainContract = []contractTest{
	{"every record of history has its link and verifies", testChainCoversHistory},
	{"concurrent writers keep one unbroken chain", testChainUnderConcurrency},
}

// writeHistory records one of every kind of history and returns how many
// records it wrote.
func writeHistory(t *testing.T, s ledger.Store) int {
	t.Helper()
	ctx := t.Context()
	full := release("web", "1.0.0")
	full.Checks = []ledger.CheckResult{{Name: "http", Kind: "http", Passed: true, Detail: "200"}}
	full.AMIs = map[string]string{"us-east-1": "ami-1"}
	full.Provenance = ledger.Provenance{Builder: "docker", BuiltAt: t0}
	full.Signature, full.SigningKey = "c2ln", "sha256:k"
	require.NoError(t, s.PutRelease(ctx, full))
	require.NoError(t, s.PutRelease(ctx, release("web", "1.1.0")))
	_, err := s.AppendDeployment(ctx, deployment("prod", "web", "1.0.0", 0))
	require.NoError(t, err)
	_, err = s.AppendDeployment(ctx, deployment("prod", "web", "1.1.0", 1))
	require.NoError(t, err)
	for _, who := range []string{"ana", "bo"} {
		require.NoError(t, s.Approve(ctx, ledger.Approval{Image: "web", Version: "1.1.0", Env: "prod", By: who, At: t0}))
	}
	require.NoError(t, s.Revoke(ctx, ledger.Revocation{Image: "web", Version: "1.1.0", Reason: "CVE", By: "ana", At: t0}))
	require.NoError(t, s.SetPin(ctx, ledger.Pin{Image: "web", Env: "prod", Version: "1.0.0", Pinned: true, Reason: "rollback", By: "ana", At: t0}))
	require.NoError(t, s.SetPin(ctx, ledger.Pin{Image: "web", Env: "prod", Version: "1.0.0", Reason: "unpin", By: "bo", At: t0}))
	require.NoError(t, s.SetFreeze(ctx, ledger.Freeze{Env: "prod", Locked: true, Reason: "incident", By: "ana", At: t0}))
	require.NoError(t, s.SetFreeze(ctx, ledger.Freeze{Env: "prod", By: "bo", At: t0}))
	require.NoError(t, s.RecordAMIRemoval(ctx, ledger.AMIRemoval{Image: "web", Version: "1.0.0",
		AMIs: map[string]string{"us-east-1": "ami-1"}, Operation: "op", By: "gc", At: t0}))
	return 12
}

func testChainCoversHistory(t *testing.T, open func() ledger.Store) {
	s := open()
	n := writeHistory(t, s)
	// A lock is not history: it gets no link.
	_, err := s.Lock(t.Context(), "env/prod", "ci", time.Minute)
	require.NoError(t, err)

	c, err := open().ReadChain(t.Context())
	require.NoError(t, err)
	require.Len(t, c.Links, n)
	assert.Len(t, c.Entries, n)
	for i, l := range c.Links {
		assert.Equal(t, int64(i+1), l.Seq)
	}
	rep := ledger.Verify(c, "")
	assert.True(t, rep.OK(), "%v", rep.Problems)
	assert.Equal(t, c.Links[n-1].Hash, rep.Head)
	assert.True(t, ledger.Verify(c, c.Links[2].Hash).OK(), "an earlier head is still in the chain")
}

func testChainUnderConcurrency(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	seedReleases(t, open(), "web", "1.0.0")
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			s := open()
			_, err := s.AppendDeployment(ctx, deployment("prod", "web", "1.0.0", i))
			assert.NoError(t, err)
			assert.NoError(t, s.Approve(ctx, ledger.Approval{Image: "web", Version: "1.0.0", Env: "prod", By: "ci", At: t0}))
		})
	}
	wg.Wait()
	c, err := open().ReadChain(ctx)
	require.NoError(t, err)
	assert.Len(t, c.Links, 21)
	rep := ledger.Verify(c, "")
	assert.True(t, rep.OK(), "%v", rep.Problems)
}

// tamperer changes a ledger behind bake's back, as someone with write
// access to its file or table could.
type tamperer interface {
	editReleaseDigest(t *testing.T, image, version, digest string)
	deleteDeployment(t *testing.T, d ledger.Deployment)
	editApprover(t *testing.T, image, version string, index int, by string)
	deleteLastLink(t *testing.T)
}

// runTamperSuite checks that Verify finds each kind of tampering on a
// backend; newLedger makes an empty ledger and its tamperer.
func runTamperSuite(t *testing.T, newLedger func(t *testing.T) (ledger.Store, tamperer)) {
	verify := func(t *testing.T, s ledger.Store, expect string) ledger.Report {
		c, err := s.ReadChain(t.Context())
		require.NoError(t, err)
		return ledger.Verify(c, expect)
	}
	t.Run("an edited release", func(t *testing.T) {
		s, tm := newLedger(t)
		writeHistory(t, s)
		tm.editReleaseDigest(t, "web", "1.0.0", "sha256:evil")
		rep := verify(t, s, "")
		require.Len(t, rep.Problems, 1)
		assert.Equal(t, "release web@1.0.0 (link 1): changed after it was recorded", rep.Problems[0].String())
	})
	t.Run("a deleted deployment", func(t *testing.T) {
		s, tm := newLedger(t)
		writeHistory(t, s)
		ds, err := s.Deployments(t.Context(), "web", "prod")
		require.NoError(t, err)
		tm.deleteDeployment(t, ds[1]) // the older one
		rep := verify(t, s, "")
		require.Len(t, rep.Problems, 1)
		assert.Contains(t, rep.Problems[0].String(), "deployment ")
		assert.Contains(t, rep.Problems[0].String(), "no longer in the ledger: it was deleted")
	})
	t.Run("an edited approval", func(t *testing.T) {
		s, tm := newLedger(t)
		writeHistory(t, s)
		tm.editApprover(t, "web", "1.1.0", 1, "mallory")
		rep := verify(t, s, "")
		require.Len(t, rep.Problems, 1)
		assert.Equal(t, "approval web@1.1.0 #2 (link 6): changed after it was recorded", rep.Problems[0].String())
	})
	t.Run("a deleted link", func(t *testing.T) {
		s, tm := newLedger(t)
		writeHistory(t, s)
		tm.deleteLastLink(t)
		rep := verify(t, s, "")
		require.Len(t, rep.Problems, 1)
		assert.Equal(t, "ami-removal web@1.0.0: in the ledger but not in the chain: it was added outside bake", rep.Problems[0].String())
	})
	t.Run("history cut off at the end", func(t *testing.T) {
		s, tm := newLedger(t)
		seedReleases(t, s, "web", "1.0.0")
		_, err := s.AppendDeployment(t.Context(), deployment("prod", "web", "1.0.0", 0))
		require.NoError(t, err)
		head := verify(t, s, "").Head
		ds, err := s.Deployments(t.Context(), "web", "prod")
		require.NoError(t, err)
		tm.deleteDeployment(t, ds[0])
		tm.deleteLastLink(t)
		assert.True(t, verify(t, s, "").OK(), "without a head seen earlier, a cut at the end cannot show")
		rep := verify(t, s, head)
		require.Len(t, rep.Problems, 1)
		assert.Contains(t, rep.Problems[0].What, "no longer holds "+head)
	})
}
