package ledger_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
)

// A ledgerFactory makes a new, empty ledger for one test and returns a
// function that opens a handle on it. Each call opens another handle on the
// same ledger, as another process would; every handle is closed when the
// test ends.
type ledgerFactory func(t *testing.T) (open func() ledger.Store)

// contractTest is one behaviour of the Store contract.
type contractTest struct {
	name string
	run  func(t *testing.T, open func() ledger.Store)
}

// runStoreContract checks that a backend keeps the Store contract: every
// behaviour promote, rollback and release rely on, each on a new ledger.
func runStoreContract(t *testing.T, newLedger ledgerFactory) {
	var tests []contractTest
	tests = append(tests, releaseContract...)
	tests = append(tests, deploymentContract...)
	tests = append(tests, lockContract...)
	tests = append(tests, gateContract...)
	tests = append(tests, concurrencyContract...)
	tests = append(tests, chainContract...)
	tests = append(tests, pageContract...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, newLedger(t)) })
	}
}

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// release builds a validated release of image@version with distinct fields.
func release(image, version string) ledger.Release {
	return ledger.Release{
		Image:        image,
		Version:      version,
		Digest:       "sha256:" + version,
		Reference:    "127.0.0.1:5000/" + image + "@sha256:" + version,
		InputsDigest: "sha256:inputs-" + version,
		Status:       ledger.StatusValidated,
		CreatedAt:    time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		CreatedBy:    "ci",
	}
}

// deployment builds a succeeded promote of image@version to env, started at
// t0 plus minute minutes.
func deployment(env, image, version string, minute int) ledger.Deployment {
	start := t0.Add(time.Duration(minute) * time.Minute)
	return ledger.Deployment{
		Env:        env,
		Image:      image,
		Version:    version,
		Digest:     "sha256:" + version,
		Kind:       ledger.KindPromote,
		Outcome:    ledger.OutcomeSucceeded,
		StartedAt:  start,
		FinishedAt: start.Add(42 * time.Second),
		By:         "ci",
	}
}

// seedReleases records validated releases so deployments may reference them.
func seedReleases(t *testing.T, s ledger.Store, image string, versions ...string) {
	t.Helper()
	for _, v := range versions {
		require.NoError(t, s.PutRelease(t.Context(), release(image, v)))
	}
}
