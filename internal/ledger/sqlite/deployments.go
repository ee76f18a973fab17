package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/bakehq/bake/internal/ledger"
)

const deploymentColumns = `id, env, image, version, digest, previous, kind, outcome, reason,
	started_at, finished_at, by_user, reference, strategy, canary, analysis`

// deploymentColumnsBeforeReference reads deployments in a schema older
// than the reference column (and the canary's), as scanDeployment expects them.
const deploymentColumnsBeforeReference = `id, env, image, version, digest, previous, kind, outcome, reason,
	started_at, finished_at, by_user, '', '', '', ''`

// AppendDeployment records a deployment and returns its id. The release it
// deploys must be recorded; otherwise the error wraps ErrNotFound.
func (s *Store) AppendDeployment(ctx context.Context, d ledger.Deployment) (int64, error) {
	return s.RecordDeployment(ctx, d, nil)
}

// RecordDeployment records a deployment and, when pin is not nil, the pin
// change it makes, in one transaction.
func (s *Store) RecordDeployment(ctx context.Context, d ledger.Deployment, pin *ledger.Pin) (int64, error) {
	if err := ledger.ValidateOutcome(d, pin); err != nil {
		return 0, err
	}
	canary, analysis, err := canaryColumns(d)
	if err != nil {
		return 0, err
	}
	err = s.recordAll(ctx, func(tx *sql.Tx) ([]ledger.Entry, error) {
		res, err := tx.ExecContext(ctx, `INSERT INTO deployments
		(env, image, version, digest, previous, kind, outcome, reason, started_at, finished_at, by_user, reference,
		 strategy, canary, analysis)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.Env, d.Image, d.Version, d.Digest, d.Previous, d.Kind, d.Outcome, d.Reason,
			ledger.FormatTime(d.StartedAt), ledger.FormatTime(d.FinishedAt), d.By, d.Reference,
			d.Strategy, canary, analysis)
		if err != nil {
			return nil, err
		}
		if d.ID, err = res.LastInsertId(); err != nil {
			return nil, err
		}
		e, err := ledger.DeploymentEntry(d)
		if err != nil || pin == nil {
			return []ledger.Entry{e}, err
		}
		pe, err := insertPin(ctx, tx, *pin)
		return []ledger.Entry{e, pe}, err
	})
	if sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
		return 0, fmt.Errorf("release %s@%s %w", d.Image, d.Version, ledger.ErrNotFound)
	}
	if err != nil {
		return 0, s.storageError(err)
	}
	return d.ID, nil
}

// Deployments lists deployments of image (in env, if env != ""), newest first.
func (s *Store) Deployments(ctx context.Context, image, env string) ([]ledger.Deployment, error) {
	query := `SELECT ` + deploymentColumns + ` FROM deployments WHERE image = ?`
	args := []any{image}
	if env != "" {
		query += ` AND env = ?`
		args = append(args, env)
	}
	// ids grow with every insert (AUTOINCREMENT never reuses one), so they
	// order deployments by when they were recorded, unlike clock readings.
	query += ` ORDER BY id DESC`

	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("listing deployments of %q: %w", image, err)
	}
	defer func() { _ = rows.Close() }()

	ds := []ledger.Deployment{}
	for rows.Next() {
		d, err := scanDeployment(rows)
		if err != nil {
			return nil, fmt.Errorf("listing deployments of %q: %w", image, err)
		}
		ds = append(ds, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing deployments of %q: %w", image, err)
	}
	return ds, nil
}

// DeploymentPage lists at most q.Limit deployments that q selects, newest
// first (oldest first with q.After), through the (image, env, id) or
// (image, id) index.
func (s *Store) DeploymentPage(ctx context.Context, q ledger.DeploymentQuery) ([]ledger.Deployment, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	query := `SELECT ` + deploymentColumns + ` FROM deployments WHERE image = ?`
	args := []any{q.Image}
	if q.Env != "" {
		query += ` AND env = ?`
		args = append(args, q.Env)
	}
	if q.Before > 0 {
		query += ` AND id < ?`
		args = append(args, q.Before)
	}
	order := ` ORDER BY id DESC`
	if q.After > 0 {
		query += ` AND id > ?`
		args = append(args, q.After)
		order = ` ORDER BY id ASC`
	}
	query += order + ` LIMIT ?`
	args = append(args, q.Limit)

	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("listing deployments of %q: %w", q.Image, err)
	}
	defer func() { _ = rows.Close() }()
	ds := make([]ledger.Deployment, 0, q.Limit)
	for rows.Next() {
		d, err := scanDeployment(rows)
		if err != nil {
			return nil, fmt.Errorf("listing deployments of %q: %w", q.Image, err)
		}
		ds = append(ds, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing deployments of %q: %w", q.Image, err)
	}
	return ds, nil
}

// Current returns the newest succeeded deployment of image in env; ErrNotFound if none.
func (s *Store) Current(ctx context.Context, image, env string) (ledger.Deployment, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+deploymentColumns+` FROM deployments
		WHERE image = ? AND env = ? AND outcome = ? ORDER BY id DESC LIMIT 1`,
		image, env, ledger.OutcomeSucceeded)
	d, err := scanDeployment(row)
	if errors.Is(err, sql.ErrNoRows) {
		return ledger.Deployment{}, fmt.Errorf("reading what %q runs in %q: %w", image, env, ledger.ErrNotFound)
	}
	if err != nil {
		return ledger.Deployment{}, fmt.Errorf("reading what %q runs in %q: %w", image, env, err)
	}
	return d, nil
}

func scanDeployment(row rowScanner) (ledger.Deployment, error) {
	var (
		d                 ledger.Deployment
		started, finished string
		canary, analysis  string
	)
	err := row.Scan(&d.ID, &d.Env, &d.Image, &d.Version, &d.Digest, &d.Previous, &d.Kind,
		&d.Outcome, &d.Reason, &started, &finished, &d.By, &d.Reference, &d.Strategy, &canary, &analysis)
	if err != nil {
		return ledger.Deployment{}, err
	}
	if err := readCanaryColumns(&d, canary, analysis); err != nil {
		return ledger.Deployment{}, err
	}
	if d.StartedAt, err = ledger.ParseTime(started); err != nil {
		return ledger.Deployment{}, err
	}
	if d.FinishedAt, err = ledger.ParseTime(finished); err != nil {
		return ledger.Deployment{}, err
	}
	return d, nil
}
