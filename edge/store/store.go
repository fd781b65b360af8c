package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/cuecast/cuecast/edge/history"
)

// Errors callers may test with errors.Is.
var (
	ErrNotFound = history.ErrNotFound
	ErrClosed   = errors.New("store: closed")
	ErrFull     = errors.New("store: write queue full")
	ErrExists   = errors.New("store: already exists")
	// ErrDamaged: the file is not a SQLite database or SQLite finds it
	// corrupt. The caller may move it aside and start empty.
	ErrDamaged = errors.New("store: database damaged")
)

// Options configure a Store.
type Options struct {
	// Path is the database file (its directory is created).
	Path string
	// MaxBytes bounds the database; 0 means 1 GiB.
	MaxBytes int64
	// QueueSize bounds writes waiting for the writer; 0 means 256.
	QueueSize int
	// SessionIdle starts a new session at the first shot after this long
	// without one; 0 means 2 hours.
	SessionIdle time.Duration
	// OnDrop is called (from the enqueueing goroutine, never blocking it for
	// long: keep it cheap) when a write is refused because the queue is full.
	OnDrop func(total uint64)
	Log    *slog.Logger
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Store is the history database. Create with Open; Close when done.
type Store struct {
	o      Options
	wdb    *sql.DB // the writer's single connection
	rdb    *sql.DB // readers
	queue  chan *op
	stop   chan struct{}
	done   chan struct{}
	closed atomic.Bool
	once   sync.Once
	// enq guards enqueueing against Close: Close takes it for writing
	// after setting closed, so no send happens after the queue is drained.
	enq sync.RWMutex

	written, dropped, failed, prunedShots, prunedImages atomic.Uint64
	bytes                                               atomic.Int64

	w writerState // owned by the writer goroutine
}

// Metrics are the store's counters since Open.
type Metrics struct {
	Queued       int    `json:"queued"`
	Written      uint64 `json:"written"` // writes committed
	Dropped      uint64 `json:"dropped"` // refused: queue full
	Failed       uint64 `json:"failed"`  // rejected by the database (bad input, disk full)
	PrunedShots  uint64 `json:"pruned_shots"`
	PrunedImages uint64 `json:"pruned_images"`
	Bytes        int64  `json:"bytes"` // database pages in use
	MaxBytes     int64  `json:"max_bytes"`
}

// Open opens (creating if needed) and migrates the database at o.Path and
// starts the writer.
func Open(o Options) (*Store, error) {
	if o.Path == "" {
		return nil, errors.New("store: no path")
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 1 << 30
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 256
	}
	if o.SessionIdle <= 0 {
		o.SessionIdle = 2 * time.Hour
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if err := os.MkdirAll(filepath.Dir(o.Path), 0o750); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	// auto_vacuum must come before the first table and before WAL; it is a
	// no-op on an existing database. synchronous=FULL: a commit returns
	// only once the WAL is on the disk (see doc.go).
	dsn := func(extra ...string) string {
		q := url.Values{}
		for _, p := range append([]string{"auto_vacuum(INCREMENTAL)", "journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)"}, extra...) {
			q.Add("_pragma", p)
		}
		return "file:" + o.Path + "?" + q.Encode()
	}
	wdb, err := sql.Open("sqlite", dsn())
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", o.Path, err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetConnMaxIdleTime(0)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := checkIntegrityQuick(ctx, wdb); err != nil {
		wdb.Close()
		return nil, err
	}
	from, err := migrate(ctx, wdb)
	if err != nil {
		wdb.Close()
		return nil, err
	}
	if from != SchemaVersion {
		o.Log.Info("history database migrated", "component", "store", "path", o.Path, "from", from, "to", SchemaVersion)
	}
	rdb, err := sql.Open("sqlite", dsn("query_only(1)"))
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("store: open %s for reading: %w", o.Path, err)
	}
	rdb.SetMaxOpenConns(4)
	s := &Store{o: o, wdb: wdb, rdb: rdb, queue: make(chan *op, o.QueueSize), stop: make(chan struct{}), done: make(chan struct{})}
	if err := s.loadWriterState(ctx); err != nil {
		s.wdb.Close()
		s.rdb.Close()
		return nil, err
	}
	s.updateSize(ctx)
	go s.run()
	return s, nil
}

// checkIntegrityQuick refuses a database SQLite finds damaged (a file
// written by something else, a bad sector), with a hint.
func checkIntegrityQuick(ctx context.Context, db *sql.DB) error {
	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&res); err != nil {
		if strings.Contains(err.Error(), "not a database") || strings.Contains(err.Error(), "malformed") {
			return fmt.Errorf("%w: %v (is this a SQLite database?)", ErrDamaged, err)
		}
		return fmt.Errorf("store: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("%w: %s; move it away to start an empty one", ErrDamaged, res)
	}
	return nil
}

// Path is the database file.
func (s *Store) Path() string { return s.o.Path }

// Close writes what is queued, stops the writer and closes the database.
// Safe to call twice.
func (s *Store) Close() error {
	var err error
	s.once.Do(func() {
		s.closed.Store(true)
		s.enq.Lock() // no enqueue in flight from here on
		s.enq.Unlock()
		close(s.stop)
		<-s.done
		err = errors.Join(s.wdb.Close(), s.rdb.Close())
	})
	return err
}

// Metrics returns the counters.
func (s *Store) Metrics() Metrics {
	return Metrics{
		Queued: len(s.queue), Written: s.written.Load(), Dropped: s.dropped.Load(), Failed: s.failed.Load(),
		PrunedShots: s.prunedShots.Load(), PrunedImages: s.prunedImages.Load(), Bytes: s.bytes.Load(), MaxBytes: s.o.MaxBytes,
	}
}

// enqueue hands o to the writer without waiting. It returns false (and
// calls o.done with ErrFull or ErrClosed) when it cannot.
func (s *Store) enqueue(o *op) bool {
	s.enq.RLock()
	if s.closed.Load() {
		s.enq.RUnlock()
		o.finish(ErrClosed)
		return false
	}
	select {
	case s.queue <- o:
		s.enq.RUnlock()
		return true
	default:
	}
	s.enq.RUnlock()
	n := s.dropped.Add(1)
	if s.o.OnDrop != nil {
		s.o.OnDrop(n)
	}
	o.finish(ErrFull)
	return false
}

// do enqueues o and waits for its commit (REST commands: reset, drills).
func (s *Store) do(ctx context.Context, o *op) error {
	ch := make(chan error, 1)
	o.done = func(err error) { ch <- err }
	s.enqueue(o)
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return fmt.Errorf("store: waiting for the write: %w", ctx.Err())
	}
}

// maxBatch bounds one transaction: enough to amortise the fsync, small
// enough that a reader never waits on a long write.
const maxBatch = 64

// run is the writer goroutine.
func (s *Store) run() {
	defer close(s.done)
	batch := make([]*op, 0, maxBatch)
	ctx := context.Background()
	for {
		select {
		case o := <-s.queue:
			batch = append(batch[:0], o)
		case <-s.stop:
			// Drain: everything enqueued before Close is written.
			for {
				batch = batch[:0]
				for len(batch) < maxBatch {
					select {
					case o := <-s.queue:
						batch = append(batch, o)
						continue
					default:
					}
					break
				}
				if len(batch) == 0 {
					return
				}
				s.commit(ctx, batch)
			}
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case o := <-s.queue:
				batch = append(batch, o)
			default:
				break fill
			}
		}
		s.commit(ctx, batch)
	}
}

// commit applies a batch in one transaction. Each op runs under its own
// savepoint, so one rejected write (a duplicate id) does not take the
// others with it. Callbacks run after the commit is durable.
func (s *Store) commit(ctx context.Context, batch []*op) {
	errs := make([]error, len(batch))
	saved := s.w
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err == nil {
		for i, o := range batch {
			if _, err := tx.ExecContext(ctx, "SAVEPOINT op"); err != nil {
				errs[i] = err
				continue
			}
			before := s.w
			if errs[i] = s.apply(ctx, tx, o); errs[i] != nil {
				s.w = before
				tx.ExecContext(ctx, "ROLLBACK TO op")
			}
			tx.ExecContext(ctx, "RELEASE op")
		}
		err = tx.Commit()
	}
	if err != nil {
		s.w = saved
		if tx != nil {
			tx.Rollback()
		}
		s.o.Log.Error("history write failed", "component", "store", "writes", len(batch), "err", err)
		for i := range errs {
			errs[i] = fmt.Errorf("store: commit: %w", err)
		}
	}
	pruned := false
	for i, o := range batch {
		if errs[i] != nil {
			s.failed.Add(1)
		} else {
			s.written.Add(1)
			pruned = pruned || o.grows()
		}
		o.finish(errs[i])
	}
	if pruned {
		s.updateSize(ctx)
		if s.bytes.Load() > s.o.MaxBytes {
			s.prune(ctx)
		}
	}
}

// updateSize reads the bytes in use (pages not on the free list).
func (s *Store) updateSize(ctx context.Context) {
	var pages, free, size int64
	if s.wdb.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages) != nil ||
		s.wdb.QueryRowContext(ctx, "PRAGMA freelist_count").Scan(&free) != nil ||
		s.wdb.QueryRowContext(ctx, "PRAGMA page_size").Scan(&size) != nil {
		return
	}
	s.bytes.Store((pages - free) * size)
}

// Checkpoint copies the WAL into the database file (tests, shutdown).
func (s *Store) Checkpoint(ctx context.Context) error {
	_, err := s.wdb.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}

// IntegrityCheck runs PRAGMA integrity_check and returns its verdict ("ok").
func (s *Store) IntegrityCheck(ctx context.Context) (string, error) {
	rows, err := s.rdb.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var out string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", err
		}
		if out != "" {
			out += "; "
		}
		out += line
	}
	return out, rows.Err()
}
