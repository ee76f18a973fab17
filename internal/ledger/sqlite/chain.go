package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/bakehq/bake/internal/ledger"
)

// querier is what *sql.DB and *sql.Tx have in common for reading.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// record writes one record of history and its link in one transaction:
// write inserts the record and returns its entry. Every transaction takes
// the write lock at BEGIN (see sqliteDSN), so links are appended one at a
// time, by any number of processes.
func (s *Store) record(ctx context.Context, write func(tx *sql.Tx) (ledger.Entry, error)) error {
	return s.recordAll(ctx, func(tx *sql.Tx) ([]ledger.Entry, error) {
		e, err := write(tx)
		return []ledger.Entry{e}, err
	})
}

// recordAll is record for several records written together (a deployment
// and the pin change it makes): all of them and their links, in order, or
// none.
func (s *Store) recordAll(ctx context.Context, write func(tx *sql.Tx) ([]ledger.Entry, error)) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if fence, ok := ledger.FenceOf(ctx); ok {
		if err := checkFence(ctx, tx, fence); err != nil {
			return err
		}
	}
	entries, err := write(tx)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := appendLink(ctx, tx, e); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// appendLink adds the link recording e after the current head.
func appendLink(ctx context.Context, tx *sql.Tx, e ledger.Entry) error {
	head, err := chainHead(ctx, tx)
	if err != nil {
		return err
	}
	l := ledger.NextLink(head, e)
	_, err = tx.ExecContext(ctx, `INSERT INTO chain (seq, kind, key, entry, hash) VALUES (?, ?, ?, ?, ?)`,
		l.Seq, l.Kind, l.Key, l.Entry, l.Hash)
	if err != nil {
		return fmt.Errorf("appending to the hash chain: %w", err)
	}
	return nil
}

// chainHead returns the last link, or the zero Link for an empty chain.
func chainHead(ctx context.Context, q querier) (ledger.Link, error) {
	var l ledger.Link
	err := q.QueryRowContext(ctx, `SELECT seq, kind, key, entry, hash FROM chain ORDER BY seq DESC LIMIT 1`).
		Scan(&l.Seq, &l.Kind, &l.Key, &l.Entry, &l.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return ledger.Link{}, nil
	}
	if err != nil {
		return ledger.Link{}, fmt.Errorf("reading the head of the hash chain: %w", err)
	}
	return l, nil
}

// ReadChain reads every link and every record of history in one snapshot.
func (s *Store) ReadChain(ctx context.Context) (ledger.Chain, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return ledger.Chain{}, fmt.Errorf("reading the hash chain: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var c ledger.Chain
	if c.Links, err = readLinks(ctx, tx); err != nil {
		return ledger.Chain{}, fmt.Errorf("reading the hash chain: %w", err)
	}
	if c.Entries, err = readEntries(ctx, tx, deploymentColumns, approvalColumns, revocationColumns); err != nil {
		return ledger.Chain{}, fmt.Errorf("reading history: %w", err)
	}
	// Freezes and AMI removals came after the chain: no ledger has any to seal, so they are
	// read here rather than in readEntries, which sealing runs too.
	freezes, err := readFreezes(ctx, tx, "")
	if err != nil {
		return ledger.Chain{}, fmt.Errorf("reading history: %w", err)
	}
	for _, f := range freezes {
		e, err := ledger.FreezeEntry(f)
		if err != nil {
			return ledger.Chain{}, err
		}
		c.Entries = append(c.Entries, e)
	}
	removals, err := readAMIRemovals(ctx, tx, "", "")
	if err != nil {
		return ledger.Chain{}, fmt.Errorf("reading history: %w", err)
	}
	for _, r := range removals {
		e, err := ledger.AMIRemovalEntry(r)
		if err != nil {
			return ledger.Chain{}, err
		}
		c.Entries = append(c.Entries, e)
	}
	return c, nil
}

func readLinks(ctx context.Context, q querier) ([]ledger.Link, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, kind, key, entry, hash FROM chain ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	var links []ledger.Link
	for rows.Next() {
		var l ledger.Link
		if err := rows.Scan(&l.Seq, &l.Kind, &l.Key, &l.Entry, &l.Hash); err != nil {
			return nil, err
		}
		links = append(links, l)
	}
	return links, rows.Err()
}

// readEntries reads every record of history, table by table; records of
// one group (the approvals of a release, the pins of an environment) come
// in the order they were recorded. deploymentCols, approvalCols and
// revocationCols read those tables as the schema has them.
func readEntries(ctx context.Context, q querier, deploymentCols, approvalCols, revocationCols string) ([]ledger.Entry, error) {
	var entries []ledger.Entry
	collect := func(query string, scan func(rowScanner) (ledger.Entry, error)) error {
		rows, err := q.QueryContext(ctx, query)
		if err != nil {
			return err
		}
		defer func() { _ = rows.Close() }()
		for rows.Next() {
			e, err := scan(rows)
			if err != nil {
				return err
			}
			entries = append(entries, e)
		}
		return rows.Err()
	}
	tables := []struct {
		query string
		scan  func(rowScanner) (ledger.Entry, error)
	}{
		{`SELECT ` + releaseColumns + ` FROM releases ORDER BY created_at, image, version`, func(r rowScanner) (ledger.Entry, error) {
			rel, err := scanRelease(r)
			if err != nil {
				return ledger.Entry{}, err
			}
			return ledger.ReleaseEntry(rel)
		}},
		{`SELECT ` + approvalCols + ` FROM approvals ORDER BY rowid`, func(r rowScanner) (ledger.Entry, error) {
			a, err := scanApproval(r)
			if err != nil {
				return ledger.Entry{}, err
			}
			return ledger.ApprovalEntry(a)
		}},
		{`SELECT ` + revocationCols + ` FROM revocations ORDER BY at, image, version`, func(r rowScanner) (ledger.Entry, error) {
			rv, err := scanRevocation(r)
			if err != nil {
				return ledger.Entry{}, err
			}
			return ledger.RevocationEntry(rv)
		}},
		{`SELECT image, env, version, pinned, reason, by_user, at FROM pins ORDER BY id`, func(r rowScanner) (ledger.Entry, error) {
			p, err := scanPin(r)
			if err != nil {
				return ledger.Entry{}, err
			}
			return ledger.PinEntry(p)
		}},
		{`SELECT ` + deploymentCols + ` FROM deployments ORDER BY id`, func(r rowScanner) (ledger.Entry, error) {
			d, err := scanDeployment(r)
			if err != nil {
				return ledger.Entry{}, err
			}
			return ledger.DeploymentEntry(d)
		}},
	}
	for _, t := range tables {
		if err := collect(t.query, t.scan); err != nil {
			return nil, err
		}
	}
	return entries, nil
}

// sealHistory links the records of a ledger made before the hash chain
// existed, in the order readEntries reads them, so that from the migration
// on they are as tamper-evident as new ones.
func sealHistory(ctx context.Context, tx *sql.Tx) error {
	// The deployments table had no reference column yet, approvals and
	// revocations no signature.
	entries, err := readEntries(ctx, tx, deploymentColumnsBeforeReference, approvalColumnsBeforeSignature,
		revocationColumnsBeforeSignature)
	if err != nil {
		return fmt.Errorf("reading history to seal: %w", err)
	}
	for _, e := range entries {
		if err := appendLink(ctx, tx, e); err != nil {
			return err
		}
	}
	return nil
}
