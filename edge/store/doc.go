// Package store keeps cuecast's history in SQLite (modernc.org/sqlite: pure
// Go, so the daemon stays free of cgo outside edge/vision) on the box's data
// partition: sessions, racks, games, players, shots (the shot record as JSON
// beside indexed columns for the figures history derives, and a small JPEG
// of the table before and after), custom drills and drill attempts.
//
// # Durability
//
// The database runs in WAL mode with synchronous=FULL: a write is
// acknowledged (its done callback called with nil) only after its
// transaction's commit is on the disk, so neither a killed process nor a
// power cut loses an acknowledged write, and a transaction cut short leaves
// nothing behind (SQLite rolls the WAL's uncommitted tail back at the next
// open). store_test.go's crash test kills a writer with SIGKILL mid-stream,
// reopens, runs PRAGMA integrity_check and finds every acknowledged shot.
//
// Schema changes are numbered migrations (schema.go), each applied in one
// transaction that also sets PRAGMA user_version; a database from a newer
// build is refused rather than misread.
//
// # Size
//
// The database is bounded by Options.MaxBytes (history.max_bytes). Past the
// bound the oldest shots lose their pictures first (they are most of the
// bytes), then the oldest shots go whole, until the database is under 90%
// of the bound; freed pages are returned to the file system (incremental
// auto-vacuum). Every pruning is counted in Metrics.
//
// # Concurrency
//
// Writes go through one bounded queue to one writer goroutine, which commits
// them in batches (one fsync for many writes). Enqueueing never blocks: when
// the queue is full the write is refused, counted (Metrics.Dropped) and
// reported through Options.OnDrop, so a slow SD card costs history a shot,
// never the frame loop or the hub a wait. Reads use their own connections
// and run concurrently with the writer (WAL readers see the last commit).
// All methods are safe for concurrent use; Close drains the queue, stops the
// writer and is safe to call twice.
package store
