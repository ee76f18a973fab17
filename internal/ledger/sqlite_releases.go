package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	sqlite3 "modernc.org/sqlite/lib"
)

const releaseColumns = `image, version, digest, reference, inputs_digest, base, git_commit,
	status, checks, created_at, created_by, amis, provenance, signature, signing_key`

// PutRelease records a new release; ErrExists if image@version is already
// recorded. A zero CreatedAt is recorded as now.
func (s *SQLite) PutRelease(ctx context.Context, r Release) error {
	if err := validateRelease(r); err != nil {
		return fmt.Errorf("recording release %s@%s: %w", r.Image, r.Version, err)
	}
	checks := r.Checks
	if checks == nil {
		checks = []CheckResult{}
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
	err = s.record(ctx, func(tx *sql.Tx) (Entry, error) {
		_, err := tx.ExecContext(ctx, `INSERT INTO releases (`+releaseColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.Image, r.Version, r.Digest, r.Reference, r.InputsDigest, r.Base, r.GitCommit,
			r.Status, string(checksJSON), formatTime(created), r.CreatedBy, string(amis), string(provenance),
			r.Signature, r.SigningKey)
		if err != nil {
			return Entry{}, err
		}
		return releaseEntry(r)
	})
	if sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
		return fmt.Errorf("recording release %s@%s: %w", r.Image, r.Version, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("recording release %s@%s: %w", r.Image, r.Version, err)
	}
	return nil
}

// validateRelease rejects a release that could not be promoted or sorted.
func validateRelease(r Release) error {
	if r.Image == "" {
		return errors.New("image is empty")
	}
	if _, err := parseVersion(r.Version); err != nil {
		return err
	}
	if r.Status != StatusValidated && r.Status != StatusFailed {
		return fmt.Errorf("status %q is neither %q nor %q", r.Status, StatusValidated, StatusFailed)
	}
	return nil
}

// Release returns one release; ErrNotFound if unknown.
func (s *SQLite) Release(ctx context.Context, image, version string) (Release, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+releaseColumns+`
		FROM releases WHERE image = ? AND version = ?`, image, version)
	r, err := scanRelease(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Release{}, fmt.Errorf("reading release %s@%s: %w", image, version, ErrNotFound)
	}
	if err != nil {
		return Release{}, fmt.Errorf("reading release %s@%s: %w", image, version, err)
	}
	return r, nil
}

// Releases lists an image's releases, newest version first (semver order).
func (s *SQLite) Releases(ctx context.Context, image string) ([]Release, error) {
	rs, err := s.queryReleases(ctx, `SELECT `+releaseColumns+`
		FROM releases WHERE image = ?`, image)
	if err != nil {
		return nil, fmt.Errorf("listing releases of %q: %w", image, err)
	}
	sortNewestFirst(rs)
	return rs, nil
}

// ReleaseByInputs returns the newest validated release built from these
// inputs; ErrNotFound if none.
func (s *SQLite) ReleaseByInputs(ctx context.Context, image, inputsDigest string) (Release, error) {
	rs, err := s.queryReleases(ctx, `SELECT `+releaseColumns+`
		FROM releases WHERE image = ? AND inputs_digest = ? AND status = ?`,
		image, inputsDigest, StatusValidated)
	if err != nil {
		return Release{}, fmt.Errorf("finding release of %q by inputs %s: %w", image, inputsDigest, err)
	}
	if len(rs) == 0 {
		return Release{}, fmt.Errorf("finding release of %q by inputs %s: %w", image, inputsDigest, ErrNotFound)
	}
	sortNewestFirst(rs)
	return rs[0], nil
}

func (s *SQLite) queryReleases(ctx context.Context, query string, args ...any) ([]Release, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()

	rs := []Release{}
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

func scanRelease(row rowScanner) (Release, error) {
	var (
		r                 Release
		checks, createdAt string
		amis, provenance  string
	)
	err := row.Scan(&r.Image, &r.Version, &r.Digest, &r.Reference, &r.InputsDigest, &r.Base,
		&r.GitCommit, &r.Status, &checks, &createdAt, &r.CreatedBy, &amis, &provenance,
		&r.Signature, &r.SigningKey)
	if err != nil {
		return Release{}, err
	}
	if err := json.Unmarshal([]byte(amis), &r.AMIs); err != nil {
		return Release{}, fmt.Errorf("decoding AMIs of %s@%s: %w", r.Image, r.Version, err)
	}
	if len(r.AMIs) == 0 {
		r.AMIs = nil
	}
	if err := json.Unmarshal([]byte(provenance), &r.Provenance); err != nil {
		return Release{}, fmt.Errorf("decoding provenance of %s@%s: %w", r.Image, r.Version, err)
	}
	if err := json.Unmarshal([]byte(checks), &r.Checks); err != nil {
		return Release{}, fmt.Errorf("decoding checks of %s@%s: %w", r.Image, r.Version, err)
	}
	if r.Checks == nil {
		r.Checks = []CheckResult{}
	}
	if r.CreatedAt, err = parseTime(createdAt); err != nil {
		return Release{}, err
	}
	return r, nil
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
