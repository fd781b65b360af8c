package store

import (
	"context"
)

// pruneBatch is how many shots lose their pictures (or go) per round.
const pruneBatch = 200

// prune brings the database under 90% of MaxBytes: pictures of the oldest
// shots first, then the oldest shots. It runs on the writer goroutine after
// a commit, in transactions of its own.
func (s *Store) prune(ctx context.Context) {
	low := s.o.MaxBytes / 10 * 9
	for round := 0; s.bytes.Load() > low && round < 10_000; round++ {
		n, err := s.pruneRound(ctx)
		if err != nil {
			s.o.Log.Error("history prune failed", "component", "store", "err", err)
			return
		}
		s.updateSize(ctx)
		if n == 0 {
			break // nothing left to prune: the bound is below an empty database
		}
	}
	// Give the freed pages back to the file system.
	if _, err := s.wdb.ExecContext(ctx, "PRAGMA incremental_vacuum"); err != nil {
		s.o.Log.Warn("history incremental vacuum", "component", "store", "err", err)
	}
	s.updateSize(ctx)
}

// pruneRound removes one batch: pictures if any shot has one, else shots.
func (s *Store) pruneRound(ctx context.Context) (int64, error) {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM shot_images WHERE shot_seq IN
		(SELECT seq FROM shots WHERE img_before OR img_after ORDER BY seq LIMIT ?)`, pruneBatch)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	if n > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE shots SET img_before = 0, img_after = 0 WHERE seq IN
			(SELECT seq FROM shots WHERE img_before OR img_after ORDER BY seq LIMIT ?)`, pruneBatch); err != nil {
			return 0, err
		}
		if err := tx.Commit(); err != nil {
			return 0, err
		}
		s.prunedImages.Add(uint64(n))
		return n, nil
	}
	// Keep the newest shot: the current rack and session refer to it.
	res, err = tx.ExecContext(ctx, `DELETE FROM shots WHERE seq IN
		(SELECT seq FROM shots WHERE seq < (SELECT max(seq) FROM shots) ORDER BY seq LIMIT ?)`, pruneBatch)
	if err != nil {
		return 0, err
	}
	n, _ = res.RowsAffected()
	for _, q := range []string{
		"DELETE FROM shot_images WHERE shot_seq NOT IN (SELECT seq FROM shots)",
		"DELETE FROM shot_records WHERE shot_seq NOT IN (SELECT seq FROM shots)",
		"DELETE FROM shot_alias WHERE new_id NOT IN (SELECT id FROM shots)",
		"DELETE FROM racks WHERE id NOT IN (SELECT DISTINCT rack_id FROM shots) AND ended_ns IS NOT NULL",
		"DELETE FROM games WHERE id NOT IN (SELECT DISTINCT game_id FROM shots)",
		"DELETE FROM sessions WHERE ended_ns IS NOT NULL AND id NOT IN (SELECT DISTINCT session_id FROM shots) AND id NOT IN (SELECT DISTINCT session_id FROM drill_attempts)",
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	s.prunedShots.Add(uint64(n))
	return n, nil
}
