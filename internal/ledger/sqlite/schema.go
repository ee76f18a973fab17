package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations holds the schema history: migrations[i] brings a database from
// user_version i to i+1. Append new steps; never edit a step that has shipped.
var migrations = [][]string{
	{
		`CREATE TABLE releases (
			image         TEXT NOT NULL,
			version       TEXT NOT NULL,
			digest        TEXT NOT NULL,
			reference     TEXT NOT NULL,
			inputs_digest TEXT NOT NULL,
			base          TEXT NOT NULL DEFAULT '',
			git_commit    TEXT NOT NULL DEFAULT '',
			status        TEXT NOT NULL,
			checks        TEXT NOT NULL DEFAULT '[]',
			created_at    TEXT NOT NULL,
			created_by    TEXT NOT NULL DEFAULT '',
			PRIMARY KEY (image, version)
		)`,
		`CREATE INDEX releases_by_inputs ON releases (image, inputs_digest)`,
		`CREATE TABLE deployments (
			id          INTEGER PRIMARY KEY AUTOINCREMENT,
			env         TEXT NOT NULL,
			image       TEXT NOT NULL,
			version     TEXT NOT NULL,
			digest      TEXT NOT NULL,
			previous    TEXT NOT NULL DEFAULT '',
			kind        TEXT NOT NULL,
			outcome     TEXT NOT NULL,
			reason      TEXT NOT NULL DEFAULT '',
			started_at  TEXT NOT NULL,
			finished_at TEXT NOT NULL,
			by_user     TEXT NOT NULL DEFAULT '',
			FOREIGN KEY (image, version) REFERENCES releases (image, version)
		)`,
		`CREATE INDEX deployments_by_image_env ON deployments (image, env, id)`,
		// The deployment history is what rollback trusts: no statement may rewrite it.
		`CREATE TRIGGER deployments_no_update BEFORE UPDATE ON deployments
		BEGIN SELECT RAISE(ABORT, 'deployments are append-only'); END`,
		`CREATE TRIGGER deployments_no_delete BEFORE DELETE ON deployments
		BEGIN SELECT RAISE(ABORT, 'deployments are append-only'); END`,
		`CREATE TABLE locks (
			key     TEXT PRIMARY KEY,
			holder  TEXT NOT NULL,
			since   TEXT NOT NULL,
			expires TEXT NOT NULL
		)`,
	},
	{
		`ALTER TABLE releases ADD COLUMN amis TEXT NOT NULL DEFAULT '{}'`,
		`ALTER TABLE releases ADD COLUMN provenance TEXT NOT NULL DEFAULT '{}'`,
	},
	{
		`CREATE TABLE approvals (
			image   TEXT NOT NULL,
			version TEXT NOT NULL,
			env     TEXT NOT NULL,
			by_user TEXT NOT NULL,
			at      TEXT NOT NULL,
			FOREIGN KEY (image, version) REFERENCES releases (image, version)
		)`,
		`CREATE INDEX approvals_by_release ON approvals (image, version)`,
		`CREATE TABLE revocations (
			image   TEXT NOT NULL,
			version TEXT NOT NULL,
			reason  TEXT NOT NULL,
			by_user TEXT NOT NULL,
			at      TEXT NOT NULL,
			PRIMARY KEY (image, version),
			FOREIGN KEY (image, version) REFERENCES releases (image, version)
		)`,
		// Who approved and what was revoked is history: no statement may rewrite it.
		`CREATE TRIGGER approvals_no_update BEFORE UPDATE ON approvals
		BEGIN SELECT RAISE(ABORT, 'approvals are append-only'); END`,
		`CREATE TRIGGER approvals_no_delete BEFORE DELETE ON approvals
		BEGIN SELECT RAISE(ABORT, 'approvals are append-only'); END`,
		`CREATE TRIGGER revocations_no_update BEFORE UPDATE ON revocations
		BEGIN SELECT RAISE(ABORT, 'revocations are final'); END`,
		`CREATE TRIGGER revocations_no_delete BEFORE DELETE ON revocations
		BEGIN SELECT RAISE(ABORT, 'revocations are final'); END`,
	},
	{
		`CREATE TABLE pins (
			id      INTEGER PRIMARY KEY AUTOINCREMENT,
			image   TEXT NOT NULL,
			env     TEXT NOT NULL,
			version TEXT NOT NULL,
			pinned  INTEGER NOT NULL,
			reason  TEXT NOT NULL,
			by_user TEXT NOT NULL,
			at      TEXT NOT NULL
		)`,
		`CREATE INDEX pins_by_env ON pins (image, env, id)`,
		`CREATE TRIGGER pins_no_update BEFORE UPDATE ON pins
		BEGIN SELECT RAISE(ABORT, 'pins are append-only'); END`,
		`CREATE TRIGGER pins_no_delete BEFORE DELETE ON pins
		BEGIN SELECT RAISE(ABORT, 'pins are append-only'); END`,
	},
	{
		`ALTER TABLE releases ADD COLUMN signature TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE releases ADD COLUMN signing_key TEXT NOT NULL DEFAULT ''`,
	},
	{
		// The hash chain: one link per record of history, written in the
		// same transaction as the record (see chain.go).
		`CREATE TABLE chain (
			seq   INTEGER PRIMARY KEY,
			kind  TEXT NOT NULL,
			key   TEXT NOT NULL,
			entry TEXT NOT NULL,
			hash  TEXT NOT NULL
		)`,
		`CREATE TRIGGER chain_no_update BEFORE UPDATE ON chain
		BEGIN SELECT RAISE(ABORT, 'the hash chain is append-only'); END`,
		`CREATE TRIGGER chain_no_delete BEFORE DELETE ON chain
		BEGIN SELECT RAISE(ABORT, 'the hash chain is append-only'); END`,
	},
	{
		// Pages of an image's deployments in every environment, newest first.
		`CREATE INDEX deployments_by_image ON deployments (image, id)`,
	},
	{
		// Where an environment with a registry of its own pulled the release from.
		`ALTER TABLE deployments ADD COLUMN reference TEXT NOT NULL DEFAULT ''`,
	},
	{
		// Who signed an approval, when signing.approvers asks for signatures.
		`ALTER TABLE approvals ADD COLUMN signature TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE approvals ADD COLUMN signing_key TEXT NOT NULL DEFAULT ''`,
	},
	{
		// Who signed a revocation, when signing.approvers asks for signatures.
		`ALTER TABLE revocations ADD COLUMN signature TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE revocations ADD COLUMN signing_key TEXT NOT NULL DEFAULT ''`,
	},
	{
		// `bake lock` and `bake unlock`: the latest record of an environment is in force.
		`CREATE TABLE freezes (
			id      INTEGER PRIMARY KEY AUTOINCREMENT,
			env     TEXT NOT NULL,
			locked  INTEGER NOT NULL,
			reason  TEXT NOT NULL,
			by_user TEXT NOT NULL,
			at      TEXT NOT NULL
		)`,
		`CREATE INDEX freezes_by_env ON freezes (env, id)`,
		`CREATE TRIGGER freezes_no_update BEFORE UPDATE ON freezes
		BEGIN SELECT RAISE(ABORT, 'locks of environments are append-only'); END`,
		`CREATE TRIGGER freezes_no_delete BEFORE DELETE ON freezes
		BEGIN SELECT RAISE(ABORT, 'locks of environments are append-only'); END`,
	},
	{
		// A canary's records: its strategy, where it stands (JSON, on step
		// records) and what its analysis measured (a JSON list); '' for none.
		`ALTER TABLE deployments ADD COLUMN strategy TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE deployments ADD COLUMN canary TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE deployments ADD COLUMN analysis TEXT NOT NULL DEFAULT ''`,
	},
	{
		// `bake gc --amis`: the AMIs of a release deregistered (a JSON map by region).
		`CREATE TABLE ami_removals (
			image     TEXT NOT NULL,
			version   TEXT NOT NULL,
			amis      TEXT NOT NULL,
			operation TEXT NOT NULL,
			by_user   TEXT NOT NULL,
			at        TEXT NOT NULL,
			PRIMARY KEY (image, version),
			FOREIGN KEY (image, version) REFERENCES releases (image, version)
		)`,
		`CREATE TRIGGER ami_removals_no_update BEFORE UPDATE ON ami_removals
		BEGIN SELECT RAISE(ABORT, 'AMI removals are final'); END`,
		`CREATE TRIGGER ami_removals_no_delete BEFORE DELETE ON ami_removals
		BEGIN SELECT RAISE(ABORT, 'AMI removals are final'); END`,
	},
}

// afterMigration runs Go code after the statements of a step, inside the
// same transaction, keyed by the step's index in migrations.
var afterMigration = map[int]func(ctx context.Context, tx *sql.Tx) error{
	5: sealHistory, // the step that creates the chain table
}

// schemaVersion is the user_version of a fully migrated database.
var schemaVersion = len(migrations)

// migrate brings the schema up to schemaVersion in one write transaction, so
// processes opening a new ledger at the same moment create it exactly once.
func migrate(ctx context.Context, db *sql.DB) error {
	// Most opens find the schema current; checking first spares them the write lock.
	var current int
	if err := db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&current); err != nil {
		return fmt.Errorf("reading schema version: %w", err)
	}
	if current == schemaVersion {
		return nil
	}

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrating schema: %w", err)
	}
	defer func() { _ = tx.Rollback() }()

	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&current); err != nil {
		return fmt.Errorf("reading schema version: %w", err)
	}
	if current > schemaVersion {
		return fmt.Errorf("schema version %d is newer than this bake supports (%d): upgrade bake", current, schemaVersion)
	}
	if current == schemaVersion {
		return nil
	}
	for v := current; v < schemaVersion; v++ {
		for _, stmt := range migrations[v] {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("migrating schema to version %d: %w", v+1, err)
			}
		}
		if after := afterMigration[v]; after != nil {
			if err := after(ctx, tx); err != nil {
				return fmt.Errorf("migrating schema to version %d: %w", v+1, err)
			}
		}
	}
	// PRAGMA takes no bound parameters; schemaVersion is a constant integer.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, schemaVersion)); err != nil {
		return fmt.Errorf("setting schema version %d: %w", schemaVersion, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrating schema to version %d: %w", schemaVersion, err)
	}
	return nil
}
