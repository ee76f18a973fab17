package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	sqlite3 "modernc.org/sqlite/lib"
)

const deploymentColumns = `id, env, image, version, digest, previous, kind, outcome, reason,
	started_at, finished_at, by_user`

// AppendDeployment records a deployment and returns its id. The release it
// deploys must be recorded; otherwise the error wraps ErrNotFound.
func (s *SQLite) AppendDeployment(ctx context.Context, d Deployment) (int64, error) {
	return s.RecordDeployment(ctx, d, nil)
}

// RecordDeployment records a deployment and, when pin is not nil, the pin
// change it makes, in one transaction.
func (s *SQLite) RecordDeployment(ctx context.Context, d Deployment, pin *Pin) (int64, error) {
	if err := validateDeployment(d); err != nil {
		return 0, err
	}
	if pin != nil {
		if err := validatePin(pin); err != nil {
			return 0, err
		}
	}
	err := s.recordAll(ctx, func(tx *sql.Tx) ([]Entry, error) {
		res, err := tx.ExecContext(ctx, `INSERT INTO deployments
		(env, image, version, digest, previous, kind, outcome, reason, started_at, finished_at, by_user)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.Env, d.Image, d.Version, d.Digest, d.Previous, d.Kind, d.Outcome, d.Reason,
			formatTime(d.StartedAt), formatTime(d.FinishedAt), d.By)
		if err != nil {
			return nil, err
		}
		if d.ID, err = res.LastInsertId(); err != nil {
			return nil, err
		}
		e, err := deploymentEntry(d)
		if err != nil || pin == nil {
			return []Entry{e}, err
		}
		pe, err := insertPin(ctx, tx, *pin)
		return []Entry{e, pe}, err
	})
	if sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
		return 0, fmt.Errorf("release %s@%s %w", d.Image, d.Version, ErrNotFound)
	}
	if err != nil {
		return 0, s.storageError(err)
	}
	return d.ID, nil
}

// validateDeployment rejects a record rollback could not act on.
func validateDeployment(d Deployment) error {
	switch {
	case d.Env == "":
		return errors.New("env is empty")
	case d.Image == "":
		return errors.New("image is empty")
	case d.Version == "":
		return errors.New("version is empty")
	case d.Kind != KindPromote && !IsRollback(d.Kind):
		return fmt.Errorf("kind %q is none of %q, %q and %q", d.Kind, KindPromote, KindRollback, KindAutoRollback)
	case d.Outcome != OutcomeSucceeded && d.Outcome != OutcomeFailed && d.Outcome != OutcomeStarted:
		return fmt.Errorf("outcome %q is none of %q, %q and %q", d.Outcome, OutcomeStarted, OutcomeSucceeded, OutcomeFailed)
	}
	return nil
}

// Deployments lists deployments of image (in env, if env != ""), newest first.
func (s *SQLite) Deployments(ctx context.Context, image, env string) ([]Deployment, error) {
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

	ds := []Deployment{}
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
func (s *SQLite) DeploymentPage(ctx context.Context, q DeploymentQuery) ([]Deployment, error) {
	if err := q.validate(); err != nil {
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
	ds := make([]Deployment, 0, q.Limit)
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
func (s *SQLite) Current(ctx context.Context, image, env string) (Deployment, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+deploymentColumns+` FROM deployments
		WHERE image = ? AND env = ? AND outcome = ? ORDER BY id DESC LIMIT 1`,
		image, env, OutcomeSucceeded)
	d, err := scanDeployment(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Deployment{}, fmt.Errorf("reading what %q runs in %q: %w", image, env, ErrNotFound)
	}
	if err != nil {
		return Deployment{}, fmt.Errorf("reading what %q runs in %q: %w", image, env, err)
	}
	return d, nil
}

func scanDeployment(row rowScanner) (Deployment, error) {
	var (
		d                 Deployment
		started, finished string
	)
	err := row.Scan(&d.ID, &d.Env, &d.Image, &d.Version, &d.Digest, &d.Previous, &d.Kind,
		&d.Outcome, &d.Reason, &started, &finished, &d.By)
	if err != nil {
		return Deployment{}, err
	}
	if d.StartedAt, err = parseTime(started); err != nil {
		return Deployment{}, err
	}
	if d.FinishedAt, err = parseTime(finished); err != nil {
		return Deployment{}, err
	}
	return d, nil
}
