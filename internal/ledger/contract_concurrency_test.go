package ledger_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
)

var concurrencyContract = []contractTest{
	{"ConcurrentAppendsAndLockers", testConcurrentAppendsAndLockers},
	{"ConcurrentPutReleaseOneWins", testConcurrentPutReleaseOneWins},
}

// Ten writers append deployments while ten others race for one lock, each
// on its own handle, as separate bake processes would: no deployment is lost
// or shares an id, and exactly one locker holds the lock.
func testConcurrentAppendsAndLockers(t *testing.T, open func() ledger.Store) {
	const writers, appendsEach, lockers = 10, 5, 10
	seedReleases(t, open(), "web", "1.0.0")

	appendHandles := make([]ledger.Store, writers)
	for i := range appendHandles {
		appendHandles[i] = open()
	}
	lockHandles := make([]ledger.Store, lockers)
	for i := range lockHandles {
		lockHandles[i] = open()
	}

	ctx := t.Context()
	start := make(chan struct{})
	var wg sync.WaitGroup
	ids := make([][]int64, writers)
	appendErrs := make([]error, writers)
	for w, s := range appendHandles {
		wg.Go(func() {
			<-start
			for i := range appendsEach {
				d := deployment(fmt.Sprintf("env-%d", w%3), "web", "1.0.0", i)
				d.By = fmt.Sprintf("writer-%d/%d", w, i)
				id, err := s.AppendDeployment(ctx, d)
				if err != nil {
					appendErrs[w] = err
					return
				}
				ids[w] = append(ids[w], id)
			}
		})
	}
	lockErrs := make([]error, lockers)
	for l, s := range lockHandles {
		wg.Go(func() {
			<-start
			_, lockErrs[l] = s.Lock(ctx, "env/prod", fmt.Sprintf("locker-%d", l), time.Minute)
		})
	}
	close(start)
	wg.Wait()

	for w, err := range appendErrs {
		require.NoError(t, err, "writer %d", w)
	}
	var all []int64
	for w := range ids {
		assert.IsIncreasing(t, ids[w], "ids grow for writer %d", w)
		all = append(all, ids[w]...)
	}
	slices.Sort(all)
	assert.Len(t, slices.Compact(slices.Clone(all)), writers*appendsEach, "no id handed out twice")

	ds, err := open().Deployments(ctx, "web", "")
	require.NoError(t, err)
	require.Len(t, ds, writers*appendsEach, "no deployment lost")
	var listed []int64
	by := map[string]bool{}
	for _, d := range ds {
		listed = append(listed, d.ID)
		by[d.By] = true
	}
	assert.IsDecreasing(t, listed, "newest first")
	slices.Sort(listed)
	assert.Equal(t, all, listed, "the ids returned are the ids recorded")
	assert.Len(t, by, writers*appendsEach, "every append recorded its own deployment")

	var winners []string
	lockedBy := map[string]int{}
	for l, err := range lockErrs {
		var locked *ledger.LockedError
		switch {
		case err == nil:
			winners = append(winners, fmt.Sprintf("locker-%d", l))
		case errors.As(err, &locked):
			lockedBy[locked.Holder]++
		default:
			t.Errorf("locker-%d: %v", l, err)
		}
	}
	require.Len(t, winners, 1, "exactly one locker holds the lock")
	assert.Equal(t, map[string]int{winners[0]: lockers - 1}, lockedBy, "every loser names the winner")
}

func testConcurrentPutReleaseOneWins(t *testing.T, open func() ledger.Store) {
	const n = 10
	handles := make([]ledger.Store, n)
	for i := range handles {
		handles[i] = open()
	}
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, s := range handles {
		wg.Go(func() {
			<-start
			r := release("web", "1.0.0")
			r.Digest = fmt.Sprintf("sha256:writer-%d", i)
			errs[i] = s.PutRelease(t.Context(), r)
		})
	}
	close(start)
	wg.Wait()

	winner := -1
	for i, err := range errs {
		if err == nil {
			assert.Equal(t, -1, winner, "a second writer recorded web@1.0.0")
			winner = i
			continue
		}
		assert.ErrorIs(t, err, ledger.ErrExists, "writer %d", i)
	}
	require.NotEqual(t, -1, winner, "nobody recorded web@1.0.0")
	got, err := handles[0].Release(t.Context(), "web", "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprintf("sha256:writer-%d", winner), got.Digest, "the winner's record stays")
}
