package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/dynamodb"
	"github.com/bakehq/bake/internal/ledger/sqlite"
)

// benchReleases reads debian's and hello's releases from the bench
// project's ledger, oldest first.
func (b *bench) benchReleases(ctx context.Context) []ledger.Release {
	path := filepath.Join(b.dir, ".bake", "ledger.db")
	store, err := sqlite.OpenExisting(ctx, path)
	if err != nil {
		die("history: %v", err)
	}
	defer store.Close()
	var out []ledger.Release
	for _, image := range []string{"debian", "hello"} {
		rs, err := store.Releases(ctx, image)
		if err != nil {
			die("history: %v", err)
		}
		slices.Reverse(rs)
		out = append(out, rs...)
	}
	return out
}

func openSQLite(ctx context.Context, path string) ledger.Store {
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		die("history: %v", err)
	}
	return s
}

// seedReleases records releases in store and closes it.
func seedReleases(ctx context.Context, store ledger.Store, releases []ledger.Release) {
	defer store.Close()
	for _, r := range releases {
		if err := store.PutRelease(ctx, r); err != nil {
			die("history: recording %s@%s: %v", r.Image, r.Version, err)
		}
	}
}

// seeder appends the synthetic history: pair k is a promote of 1.0.0 (k
// even) or 1.1.0 (k odd) to dev, a started record and its succeeded outcome,
// one a second, ending about now at the largest size.
type seeder struct {
	digests map[string]string
	start   time.Time
	pairs   int // pairs appended so far
}

func newSeeder(releases []ledger.Release) *seeder {
	s := &seeder{digests: map[string]string{}}
	for _, r := range releases {
		if r.Image == "hello" {
			s.digests[r.Version] = r.Digest
		}
	}
	if s.digests["1.0.0"] == "" || s.digests["1.1.0"] == "" {
		die("history: hello@1.0.0 and hello@1.1.0 are not both recorded")
	}
	largest := slices.Max(historySizes)
	s.start = time.Now().UTC().Add(-time.Duration(largest/2+60) * time.Second)
	return s
}

// grow appends pairs until store holds records deployment records.
func (s *seeder) grow(ctx context.Context, store ledger.Store, records int) {
	versions := [2]string{"1.0.0", "1.1.0"}
	for ; s.pairs*2 < records; s.pairs++ {
		k := s.pairs
		version, previous := versions[k%2], versions[(k+1)%2]
		if k == 0 {
			previous = ""
		}
		at := s.start.Add(time.Duration(k) * time.Second)
		d := ledger.Deployment{Env: "dev", Image: "hello", Version: version, Digest: s.digests[version], Previous: previous,
			Kind: ledger.KindPromote, Outcome: ledger.OutcomeStarted, Reason: "bench", StartedAt: at, FinishedAt: at, By: "bench"}
		if _, err := store.AppendDeployment(ctx, d); err != nil {
			die("history: seeding: %v", err)
		}
		d.Outcome, d.Reason, d.FinishedAt = ledger.OutcomeSucceeded, "", at.Add(500*time.Millisecond)
		if _, err := store.AppendDeployment(ctx, d); err != nil {
			die("history: seeding: %v", err)
		}
	}
}

// seedSQLite seeds one SQLite ledger to each size, copying it at each.
func (b *bench) seedSQLite(ctx context.Context, dir string, releases []ledger.Release) []historyLedger {
	grow := filepath.Join(dir, "grow.db")
	seedReleases(ctx, openSQLite(ctx, grow), releases)
	s := newSeeder(releases)
	var out []historyLedger
	var took time.Duration
	for _, n := range historySizes {
		logf("history: seeding SQLite to %d records", n)
		store := openSQLite(ctx, grow)
		t0 := time.Now()
		s.grow(ctx, store, n)
		took += time.Since(t0)
		if err := store.Close(); err != nil {
			die("history: %v", err)
		}
		name := fmt.Sprintf("ledger-%d.db", n)
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if _, err := os.Stat(grow + suffix); err == nil {
				copyFile(grow+suffix, filepath.Join(dir, name+suffix))
			}
		}
		out = append(out, historyLedger{backend: "SQLite", size: n, ledger: name, seeded: took})
	}
	return out
}

// seedDynamoDB seeds a table of its own on the bench's moto to n records.
func (b *bench) seedDynamoDB(ctx context.Context, n int, releases []ledger.Release) historyLedger {
	url := fmt.Sprintf("dynamodb://%s-%d?region=%s&endpoint=%s", historyProject, n, awsRegion, b.moto)
	loc, err := dynamodb.ParseURL(url)
	if err != nil {
		die("history: %v", err)
	}
	store, err := dynamodb.Open(ctx, loc)
	if err != nil {
		die("history: %v", err)
	}
	logf("history: seeding DynamoDB to %d records", n)
	t0 := time.Now()
	for _, r := range releases {
		if err := store.PutRelease(ctx, r); err != nil {
			die("history: recording %s@%s: %v", r.Image, r.Version, err)
		}
	}
	newSeeder(releases).grow(ctx, store, n)
	took := time.Since(t0)
	_ = store.Close()
	return historyLedger{backend: "DynamoDB", size: n, ledger: url, seeded: took}
}

func copyFile(src, dst string) {
	in, err := os.Open(src)
	if err != nil {
		die("%v", err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		die("%v", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		die("%v", err)
	}
	if err := out.Close(); err != nil {
		die("%v", err)
	}
}
