package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/bakehq/bake/internal/ledger"
)

const releaseColumns = `image, version, digest, reference, inputs_digest, base, git_commit,
	status, checks, created_at, created_by, amis, provenance, signature, signing_key`

// PutRelease records a new release; ErrExists if image@version is already
// recorded. A zero CreatedAt is recorded as now.
func (s *Store) PutRelease(ctx context.Context, r ledger.Release) error {
	if err := ledger.ValidateRelease(r); err != nil {
		return fmt.Errorf("recording release %s@%s: %w", r.Image, r.Version, err)
	}
	checks := r.Checks
	if checks == nil {
		checks = []ledger.CheckResult{}
	}
	checksJSON, err := json.Marshal(checks)
	if err != nil {
		return fmt.Errorf("recording release %s@%s: encoding checks: %w", r.Image, r.Version, err)
	}
	created := r.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	amis, err := json.Marshal(orEmpty(r.AMIs))
	if err != nil {
		return fmt.Errorf("recording release %s@%s: encoding AMIs: %w", r.Image, r.Version, err)
	}
	provenance, err := json.Marshal(r.Provenance)
	if err != nil {
		return fmt.Errorf("recording release %s@%s: encoding provenance: %w", r.Image, r.Version, err)
	}

	r.CreatedAt = created
	// The primary key decides a duplicate, so two writers racing on the same
	// image@version cannot both succeed.
	err = s.record(ctx, func(tx *sql.Tx) (ledger.Entry, error) {
		_, err := tx.ExecContext(ctx, `INSERT INTO releases (`+releaseColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.Image, r.Version, r.Digest, r.Reference, r.InputsDigest, r.Base, r.GitCommit,
			r.Status, string(checksJSON), ledger.FormatTime(created), r.CreatedBy, string(amis), string(provenance),
			r.Signature, r.SigningKey)
		if err != nil {
			return ledger.Entry{}, err
		}
		return ledger.ReleaseEntry(r)
	})
	if sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
		return fmt.Errorf("recording release %s@%s: %w", r.Image, r.Version, ledger.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("recording release %s@%s: %w", r.Image, r.Version, err)
	}
	return nil
}

// Release returns one release; ErrNotFound if unknown.
func (s *Store) Release(ctx context.Context, image, version string) (ledger.Release, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+releaseColumns+`
		FROM releases WHERE image = ? AND version = ?`, image, version)
	r, err := scanRelease(row)
	if errors.Is(err, sql.ErrNoRows) {
		return ledger.Release{}, fmt.Errorf("reading release %s@%s: %w", image, version, ledger.ErrNotFound)
	}
	if err != nil {
		return ledger.Release{}, fmt.Errorf("reading release %s@%s: %w", image, version, err)
	}
	return r, nil
}

// Releases lists an image's releases, newest version first (semver order).
func (s *Store) Releases(ctx context.Context, image string) ([]ledger.Release, error) {
	rs, err := s.queryReleases(ctx, `SELECT `+releaseColumns+`
		FROM releases WHERE image = ?`, image)
	if err != nil {
		return nil, fmt.Errorf("listing releases of %q: %w", image, err)
	}
	ledger.SortNewestFirst(rs)
	return rs, nil
}

// ReleaseByInputs returns the newest validated release built from these
// inputs; ErrNotFound if none.
func (s *Store) ReleaseByInputs(ctx context.Context, image, inputsDigest string) (ledger.Release, error) {
	rs, err := s.queryReleases(ctx, `SELECT `+releaseColumns+`
		FROM releases WHERE image = ? AND inputs_digest = ? AND status = ?`,
		image, inputsDigest, ledger.StatusValidated)
	if err != nil {
		return ledger.Release{}, fmt.Errorf("finding release of %q by inputs %s: %w", image, inputsDigest, err)
	}
	if len(rs) == 0 {
		return ledger.Release{}, fmt.Errorf("finding release of %q by inputs %s: %w", image, inputsDigest, ledger.ErrNotFound)
	}
	ledger.SortNewestFirst(rs)
	return rs[0], nil
}

func (s *Store) queryReleases(ctx context.Context, query string, args ...any) ([]ledger.Release, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()

	rs := []ledger.Release{}
	for rows.Next() {
		r, err := scanRelease(rows)
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	return rs, rows.Err()
}

// rowScanner is what *sql.Row and *sql.Rows have in common.
type rowScanner interface {
	Scan(dest ...any) error
}

func scanRelease(row rowScanner) (ledger.Release, error) {
	var (
		r                 ledger.Release
		checks, createdAt string
		amis, provenance  string
	)
	err := row.Scan(&r.Image, &r.Version, &r.Digest, &r.Reference, &r.InputsDigest, &r.Base,
		&r.GitCommit, &r.Status, &checks, &createdAt, &r.CreatedBy, &amis, &provenance,
		&r.Signature, &r.SigningKey)
	if err != nil {
		return ledger.Release{}, err
	}
	if err := json.Unmarshal([]byte(amis), &r.AMIs); err != nil {
		return ledger.Release{}, fmt.Errorf("decoding AMIs of %s@%s: %w", r.Image, r.Version, err)
	}
	if len(r.AMIs) == 0 {
		r.AMIs = nil
	}
	if err := json.Unmarshal([]byte(provenance), &r.Provenance); err != nil {
		return ledger.Release{}, fmt.Errorf("decoding provenance of %s@%s: %w", r.Image, r.Version, err)
	}
	if err := json.Unmarshal([]byte(checks), &r.Checks); err != nil {
		return ledger.Release{}, fmt.Errorf("decoding checks of %s@%s: %w", r.Image, r.Version, err)
	}
	if r.Checks == nil {
		r.Checks = []ledger.CheckResult{}
	}
	if r.CreatedAt, err = ledger.ParseTime(createdAt); err != nil {
		return ledger.Release{}, err
	}
	return r, nil
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
