package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
func (s *SQLite) record(ctx context.Context, write func(tx *sql.Tx) (Entry, error)) error {
	return s.recordAll(ctx, func(tx *sql.Tx) ([]Entry, error) {
		e, err := write(tx)
		return []Entry{e}, err
	})
}

// recordAll is record for several records written together (a deployment
// and the pin change it makes): all of them and their links, in order, or
// none.
func (s *SQLite) recordAll(ctx context.Context, write func(tx *sql.Tx) ([]Entry, error)) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
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
func appendLink(ctx context.Context, tx *sql.Tx, e Entry) error {
	head, err := chainHead(ctx, tx)
	if err != nil {
		return err
	}
	l := nextLink(head, e)
	_, err = tx.ExecContext(ctx, `INSERT INTO chain (seq, kind, key, entry, hash) VALUES (?, ?, ?, ?, ?)`,
		l.Seq, l.Kind, l.Key, l.Entry, l.Hash)
	if err != nil {
		return fmt.Errorf("appending to the hash chain: %w", err)
	}
	return nil
}

// chainHead returns the last link, or the zero Link for an empty chain.
func chainHead(ctx context.Context, q querier) (Link, error) {
	var l Link
	err := q.QueryRowContext(ctx, `SELECT seq, kind, key, entry, hash FROM chain ORDER BY seq DESC LIMIT 1`).
		Scan(&l.Seq, &l.Kind, &l.Key, &l.Entry, &l.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return Link{}, nil
	}
	if err != nil {
		return Link{}, fmt.Errorf("reading the head of the hash chain: %w", err)
	}
	return l, nil
}

// ReadChain reads every link and every record of history in one snapshot.
func (s *SQLite) ReadChain(ctx context.Context) (Chain, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Chain{}, fmt.Errorf("reading the hash chain: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var c Chain
	if c.Links, err = readLinks(ctx, tx); err != nil {
		return Chain{}, fmt.Errorf("reading the hash chain: %w", err)
	}
	if c.Entries, err = readEntries(ctx, tx); err != nil {
		return Chain{}, fmt.Errorf("reading history: %w", err)
	}
	return c, nil
}

func readLinks(ctx context.Context, q querier) ([]Link, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, kind, key, entry, hash FROM chain ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	var links []Link
	for rows.Next() {
		var l Link
		if err := rows.Scan(&l.Seq, &l.Kind, &l.Key, &l.Entry, &l.Hash); err != nil {
			return nil, err
		}
		links = append(links, l)
	}
	return links, rows.Err()
}

// readEntries reads every record of history, table by table; records of
// one group (the approvals of a release, the pins of an environment) come
// in the order they were recorded.
func readEntries(ctx context.Context, q querier) ([]Entry, error) {
	var entries []Entry
	collect := func(query string, scan func(rowScanner) (Entry, error)) error {
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
		scan  func(rowScanner) (Entry, error)
	}{
		{`SELECT ` + releaseColumns + ` FROM releases ORDER BY created_at, image, version`, func(r rowScanner) (Entry, error) {
			rel, err := scanRelease(r)
			if err != nil {
				return Entry{}, err
			}
			return releaseEntry(rel)
		}},
		{`SELECT image, version, env, by_user, at FROM approvals ORDER BY rowid`, func(r rowScanner) (Entry, error) {
			a, err := scanApproval(r)
			if err != nil {
				return Entry{}, err
			}
			return approvalEntry(a)
		}},
		{`SELECT image, version, reason, by_user, at FROM revocations ORDER BY at, image, version`, func(r rowScanner) (Entry, error) {
			rv, err := scanRevocation(r)
			if err != nil {
				return Entry{}, err
			}
			return revocationEntry(rv)
		}},
		{`SELECT image, env, version, pinned, reason, by_user, at FROM pins ORDER BY id`, func(r rowScanner) (Entry, error) {
			p, err := scanPin(r)
			if err != nil {
				return Entry{}, err
			}
			return pinEntry(p)
		}},
		{`SELECT ` + deploymentColumns + ` FROM deployments ORDER BY id`, func(r rowScanner) (Entry, error) {
			d, err := scanDeployment(r)
			if err != nil {
				return Entry{}, err
			}
			return deploymentEntry(d)
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
	entries, err := readEntries(ctx, tx)
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
