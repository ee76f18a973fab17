package promote

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/sqlite"
)

func TestParseHolder(t *testing.T) {
	tests := []struct {
		in   string
		want Holder
		ok   bool
		kind string // Deployment's kind, "" if none
	}{
		{in: "ci on build-7 (pid 42, operation 0a1b2c, promote web@1.2.0)", ok: true, kind: "promote",
			want: Holder{User: "ci", Host: "build-7", PID: 42, Operation: "0a1b2c", What: "promote web@1.2.0"}},
		{in: "ann on laptop (pid 7, rollback web@1.0.0+b.1)", ok: true, kind: "rollback",
			want: Holder{User: "ann", Host: "laptop", PID: 7, What: "rollback web@1.0.0+b.1"}},
		{in: "ann on laptop (pid 7, gc)", ok: true, want: Holder{User: "ann", Host: "laptop", PID: 7, What: "gc"}},
		{in: "ci on h (pid 9, operation ff, recover prod)", ok: true,
			want: Holder{User: "ci", Host: "h", PID: 9, Operation: "ff", What: "recover prod"}},
		{in: "ci-1234"},
		{in: "ci on h (pid x, gc)"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := ParseHolder(tt.in)
			require.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
			if ok {
				kind, _, _, isDeployment := got.Deployment()
				assert.Equal(t, tt.kind, kind)
				assert.Equal(t, tt.kind != "", isDeployment)
				if got.Operation != "" {
					assert.Equal(t, tt.in, got.String(), "String writes what ParseHolder reads")
				}
			}
		})
	}
}

// deadPID returns the pid of a process that ran and was reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	require.NoError(t, cmd.Run())
	return cmd.Process.Pid
}

func TestInterrupted(t *testing.T) {
	host, err := os.Hostname()
	require.NoError(t, err)
	dead := Holder{User: "ci", Host: host, PID: deadPID(t), Operation: "dead01", What: "promote web@1.1.0"}.String()
	live := Holder{User: "ci", Host: host, PID: os.Getpid(), Operation: "live01", What: "promote web@1.1.0"}.String()
	away := Holder{User: "ci", Host: "elsewhere.invalid", PID: 1, Operation: "away01", What: "promote web@1.1.0"}.String()
	deadGC := Holder{User: "ci", Host: host, PID: deadPID(t), Operation: "gc01", What: "gc"}.String()
	past := time.Now().Add(-time.Hour)

	type lock struct {
		holder string
		ttl    time.Duration
	}
	tests := []struct {
		name       string
		started    string // holder of a started record of web@1.1.0, "" for none
		outcome    string // outcome recorded after it, "" for none
		lock       *lock
		want       int    // interruptions
		image      string // of the first one
		hasStarted bool   // the first one has its started record
		hasOutcome bool   // the first one has its outcome record
		underWay   bool
	}{
		{name: "nothing"},
		{name: "finished", started: dead, outcome: ledger.OutcomeSucceeded},
		{name: "no outcome, holder gone, lock released", started: dead, want: 1, image: "web", hasStarted: true},
		{name: "no outcome, holder gone, lock left", started: dead, lock: &lock{dead, time.Hour}, want: 1, image: "web", hasStarted: true},
		{name: "no outcome, holder runs", started: live, lock: &lock{live, time.Hour}, underWay: true},
		{name: "no outcome, holder runs past its lock", started: live},
		{name: "outcome recorded, lock left while retiring", started: dead, outcome: ledger.OutcomeSucceeded,
			lock: &lock{dead, time.Hour}, want: 1, image: "web", hasStarted: true, hasOutcome: true},
		{name: "lock left before anything was recorded", lock: &lock{dead, time.Hour}, want: 1, image: "web"},
		{name: "lock of another host, not expired", lock: &lock{away, time.Hour}, underWay: true},
		{name: "lock of another host, expired", lock: &lock{away, time.Millisecond}, want: 1, image: "web"},
		{name: "lock left by gc", lock: &lock{deadGC, time.Hour}, want: 1, image: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			store, err := sqlite.Open(ctx, t.TempDir()+"/ledger.db")
			require.NoError(t, err)
			defer store.Close()
			for _, v := range []string{"1.0.0", "1.1.0"} {
				require.NoError(t, store.PutRelease(ctx, ledger.Release{Image: "web", Version: v, Digest: "sha256:" + v,
					Status: ledger.StatusValidated, CreatedAt: past}))
			}
			dep := ledger.Deployment{Env: "dev", Image: "web", Version: "1.0.0", Digest: "sha256:1.0.0",
				Kind: ledger.KindPromote, Outcome: ledger.OutcomeSucceeded, StartedAt: past, FinishedAt: past, By: "ci"}
			_, err = store.AppendDeployment(ctx, dep)
			require.NoError(t, err)
			if tt.started != "" {
				dep.Version, dep.Digest, dep.Previous = "1.1.0", "sha256:1.1.0", "1.0.0"
				// Now: a holder that runs started before its record.
				dep.StartedAt, dep.FinishedAt, dep.Outcome, dep.Reason = time.Now(), time.Time{}, ledger.OutcomeStarted, tt.started
				_, err = store.AppendDeployment(ctx, dep)
				require.NoError(t, err)
				if tt.outcome != "" {
					dep.Outcome, dep.Reason, dep.FinishedAt = tt.outcome, "", time.Now()
					_, err = store.AppendDeployment(ctx, dep)
					require.NoError(t, err)
				}
			}
			if tt.lock != nil {
				_, err := store.Lock(ctx, LockKey("dev"), tt.lock.holder, tt.lock.ttl)
				require.NoError(t, err)
				time.Sleep(5 * time.Millisecond)
			}

			ints, err := Interrupted(ctx, store, "dev", []string{"web"})
			if tt.underWay {
				require.ErrorIs(t, err, ErrUnderWay)
				require.ErrorIs(t, err, ErrRefused)
				require.ErrorIs(t, err, ledger.ErrLocked)
				return
			}
			require.NoError(t, err)
			require.Len(t, ints, tt.want)
			if tt.want == 0 {
				return
			}
			it := ints[0]
			assert.Equal(t, tt.image, it.Image)
			assert.Equal(t, tt.hasStarted, it.Started != nil)
			assert.Equal(t, tt.hasOutcome, it.Outcome != nil)
			assert.Contains(t, it.String(), "was interrupted")
			if tt.image != "" {
				assert.Equal(t, "1.1.0", it.Version)
				assert.Contains(t, it.String(), `promote web@1.1.0`)
			}
		})
	}
}
