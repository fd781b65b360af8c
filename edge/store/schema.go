package store

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are applied in order; migration i brings the schema to
// version i+1 (PRAGMA user_version). Never edit one that has shipped: add a
// new one.
var migrations = []string{
	// 1: the first schema.
	`
CREATE TABLE sessions (
	id         INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL DEFAULT '',
	started_ns INTEGER NOT NULL,
	ended_ns   INTEGER,
	last_ns    INTEGER NOT NULL
);
CREATE TABLE players (
	id       INTEGER PRIMARY KEY,
	name     TEXT    NOT NULL UNIQUE,
	first_ns INTEGER NOT NULL,
	last_ns  INTEGER NOT NULL
);
CREATE TABLE games (
	id         TEXT    PRIMARY KEY,
	session_id INTEGER NOT NULL,
	game_type  TEXT    NOT NULL,
	started_ns INTEGER NOT NULL,
	ended_ns   INTEGER,
	winner     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX games_session ON games(session_id);
CREATE TABLE racks (
	id         INTEGER PRIMARY KEY,
	session_id INTEGER NOT NULL,
	game_id    TEXT    NOT NULL DEFAULT '',
	started_ns INTEGER NOT NULL,
	ended_ns   INTEGER,
	cleared    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX racks_session ON racks(session_id);
CREATE TABLE shots (
	seq           INTEGER PRIMARY KEY,
	id            TEXT    NOT NULL UNIQUE,
	session_id    INTEGER NOT NULL,
	rack_id       INTEGER NOT NULL,
	game_id       TEXT    NOT NULL DEFAULT '',
	game_type     TEXT    NOT NULL,
	number        INTEGER NOT NULL,
	shooter       TEXT    NOT NULL DEFAULT '',
	started_ns    INTEGER NOT NULL,
	ended_ns      INTEGER NOT NULL,
	source        TEXT    NOT NULL,
	img_before    INTEGER NOT NULL DEFAULT 0,
	img_after     INTEGER NOT NULL DEFAULT 0,
	is_break      INTEGER NOT NULL,
	attempt       INTEGER NOT NULL,
	potted        INTEGER NOT NULL,
	made          INTEGER NOT NULL,
	scratch       INTEGER NOT NULL,
	legal         INTEGER NOT NULL,
	turn_over     INTEGER NOT NULL,
	game_over     INTEGER NOT NULL,
	cleared       INTEGER NOT NULL,
	winner        TEXT    NOT NULL DEFAULT '',
	fouls         TEXT    NOT NULL DEFAULT '',
	cut_deg       REAL,
	dist_m        REAL,
	pos_err_cm    REAL,
	path_err_cm   REAL,
	end_err_cm    REAL,
	target_agree  INTEGER,
	outcome_agree INTEGER,
	spread_cm     REAL,
	balls_to_rail INTEGER NOT NULL DEFAULT 0
);
-- The record and the derived figures as JSON live apart from the indexed
-- columns: statistics scan shots, whose rows stay ~150 bytes (20 to a
-- page) instead of dragging 2-3 KB of JSON per shot through the cache.
CREATE TABLE shot_records (
	shot_seq INTEGER PRIMARY KEY,
	features TEXT    NOT NULL,
	record   TEXT    NOT NULL
);
CREATE INDEX shots_ended   ON shots(ended_ns);
CREATE INDEX shots_shooter ON shots(shooter, ended_ns);
CREATE INDEX shots_session ON shots(session_id, ended_ns);
CREATE INDEX shots_type    ON shots(game_type, ended_ns);
CREATE INDEX shots_rack    ON shots(rack_id);
-- shot_alias maps a provisional shot's id to the id of the record that
-- replaced it, so pictures and links made under the first id still land.
CREATE TABLE shot_alias (
	old_id TEXT PRIMARY KEY,
	new_id TEXT NOT NULL
);
CREATE TABLE shot_images (
	shot_seq INTEGER NOT NULL,
	kind     TEXT    NOT NULL,
	jpeg     BLOB    NOT NULL,
	PRIMARY KEY (shot_seq, kind)
);
CREATE TABLE drills (
	id         TEXT    PRIMARY KEY,
	def        TEXT    NOT NULL,
	created_ns INTEGER NOT NULL
);
CREATE TABLE drill_attempts (
	id         INTEGER PRIMARY KEY,
	drill_id   TEXT    NOT NULL,
	player     TEXT    NOT NULL,
	session_id INTEGER NOT NULL,
	started_ns INTEGER NOT NULL,
	ended_ns   INTEGER NOT NULL,
	success    INTEGER NOT NULL,
	score      REAL    NOT NULL,
	shots      TEXT    NOT NULL,
	result     TEXT    NOT NULL
);
CREATE INDEX attempts_player ON drill_attempts(player, drill_id, ended_ns);
`,
}

// SchemaVersion is the schema this build writes.
var SchemaVersion = len(migrations)

// migrate brings db to SchemaVersion, one transaction per migration.
func migrate(ctx context.Context, db *sql.DB) (from int, err error) {
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&from); err != nil {
		return 0, fmt.Errorf("store: read schema version: %w", err)
	}
	if from > SchemaVersion {
		return from, fmt.Errorf("store: the database has schema version %d, newer than this build's %d (a downgrade?); keep the file and run the newer firmware, or move the file away to start empty", from, SchemaVersion)
	}
	for v := from; v < SchemaVersion; v++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return from, fmt.Errorf("store: migration %d: %w", v+1, err)
		}
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			tx.Rollback()
			return from, fmt.Errorf("store: migration %d: %w", v+1, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
			tx.Rollback()
			return from, fmt.Errorf("store: migration %d: set version: %w", v+1, err)
		}
		if err := tx.Commit(); err != nil {
			return from, fmt.Errorf("store: migration %d: commit: %w", v+1, err)
		}
	}
	return from, nil
}
