package outbox

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Record is one message to publish.
type Record struct {
	Topic   string
	QoS     byte
	Retain  bool
	Payload []byte
}

// Entry is a stored record and its sequence number.
type Entry struct {
	Seq uint64
	Record
}

// Options configure an Outbox.
type Options struct {
	Dir      string // created if missing
	MaxBytes int64  // bound on the total size of the segment files
	// SegmentBytes is the size at which a segment is closed and a new one
	// started; dropping happens in whole segments. 0 picks MaxBytes/8,
	// clamped to [4 KiB, 8 MiB].
	SegmentBytes int64
	// SyncEvery: 0 fsyncs every Append and Commit; otherwise the owner calls
	// Sync at about this interval.
	SyncEvery time.Duration
}

// Stats describe the queue.
type Stats struct {
	Pending  uint64 // records appended and not yet committed (queued or in flight)
	InFlight uint64 // of those, handed out by Next
	Bytes    int64  // size of the segment files
	Segments int
	Dropped  uint64 // records dropped since Open (bound reached or corrupt on disk)
}

const (
	headerLen   = 8
	maxTopicLen = 1 << 16
	segSuffix   = ".seg"
	cursorName  = "cursor"
)

// ErrTooLarge is returned by Append for a record that cannot fit in a segment.
var ErrTooLarge = errors.New("outbox: record larger than a segment")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type segment struct {
	first uint64
	count uint64
	size  int64
	path  string
}

// Outbox is the on-disk queue. See the package comment.
type Outbox struct {
	opt    Options
	notify chan struct{}

	mu      sync.Mutex
	segs    []*segment // by first seq; the last one is appended to
	active  *os.File   // open for append: segs[len(segs)-1]
	next    uint64     // seq the next Append gets
	cursor  uint64     // oldest seq not yet committed
	size    int64      // sum of segs[i].size
	dropped uint64
	dirty   bool     // appends or commits not yet fsynced
	curFile *os.File // cursor file
	// Reading runs ahead of the cursor (records handed out by Next and not
	// yet committed are in flight). read is the next seq Next returns;
	// rfile is open on the segment holding it, with the record numbered
	// rpos at byte roff (rpos <= read; the gap is skipped on the next read).
	read  uint64
	rfile *os.File
	rseg  uint64 // first seq of the segment rfile is
	roff  int64
	rpos  uint64
	// lostTo: records below it that could not be read (corruption) were
	// counted in dropped already, so a re-read does not count them twice.
	lostTo uint64
	buf    []byte
}

// Open opens or creates the outbox in opt.Dir, recovering what a previous
// run left: segments, the delivery cursor, and a torn last record.
func Open(opt Options) (*Outbox, error) {
	if opt.MaxBytes <= 0 {
		return nil, fmt.Errorf("outbox: MaxBytes must be positive")
	}
	if opt.SegmentBytes == 0 {
		opt.SegmentBytes = min(max(opt.MaxBytes/8, 4<<10), 8<<20)
	}
	// Dropping works in whole segments: at least two must fit in the bound.
	opt.SegmentBytes = min(opt.SegmentBytes, opt.MaxBytes/2)
	if err := os.MkdirAll(opt.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("outbox: create dir: %w (is the state directory writable by the daemon's user?)", err)
	}
	o := &Outbox{opt: opt, notify: make(chan struct{}, 1)}
	if err := o.load(); err != nil {
		o.closeFiles()
		return nil, err
	}
	if o.Len() > 0 {
		o.signal()
	}
	return o, nil
}

func (o *Outbox) load() error {
	names, err := os.ReadDir(o.opt.Dir)
	if err != nil {
		return fmt.Errorf("outbox: read dir: %w", err)
	}
	for _, de := range names {
		n := de.Name()
		if !strings.HasSuffix(n, segSuffix) || de.IsDir() {
			continue
		}
		first, err := strconv.ParseUint(strings.TrimSuffix(n, segSuffix), 16, 64)
		if err != nil {
			continue // not ours
		}
		o.segs = append(o.segs, &segment{first: first, path: filepath.Join(o.opt.Dir, n)})
	}
	sort.Slice(o.segs, func(i, j int) bool { return o.segs[i].first < o.segs[j].first })
	for i, s := range o.segs {
		last := i == len(o.segs)-1
		if err := o.scan(s, last); err != nil {
			return err
		}
		// Records lost to corruption in an old segment leave a gap before
		// the next one; Next counts them as dropped when it skips the gap.
		o.size += s.size
	}
	o.curFile, err = os.OpenFile(filepath.Join(o.opt.Dir, cursorName), os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("outbox: open cursor: %w", err)
	}
	var cb [12]byte
	cursor, ok := uint64(0), false
	if n, _ := o.curFile.ReadAt(cb[:], 0); n == len(cb) && crc32.Checksum(cb[:8], castagnoli) == binary.LittleEndian.Uint32(cb[8:]) {
		cursor, ok = binary.LittleEndian.Uint64(cb[:8]), true
	}
	if len(o.segs) == 0 {
		o.next = cursor
		o.cursor = cursor
	} else {
		first, lastSeg := o.segs[0].first, o.segs[len(o.segs)-1]
		o.next = lastSeg.first + lastSeg.count
		switch {
		case !ok, cursor < first:
			// Lost or stale cursor: resend from the oldest record we have.
			// Duplicates are acceptable for QoS 1; losses are not.
			cursor = first
		case cursor > o.next:
			cursor = o.next
		}
		o.cursor = cursor
	}
	o.read = o.cursor
	if len(o.segs) == 0 || o.segs[len(o.segs)-1].size >= o.opt.SegmentBytes {
		if err := o.newSegment(); err != nil {
			return err
		}
	} else {
		s := o.segs[len(o.segs)-1]
		o.active, err = os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND, 0o640)
		if err != nil {
			return fmt.Errorf("outbox: open segment: %w", err)
		}
	}
	return nil
}

// scan counts the valid records of s. In the newest segment a bad tail is a
// torn write and is truncated; in an older one it is corruption: the rest of
// that segment is unreadable and counted as dropped.
func (o *Outbox) scan(s *segment, last bool) error {
	f, err := os.Open(s.path)
	if err != nil {
		return fmt.Errorf("outbox: open segment: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("outbox: stat segment: %w", err)
	}
	var off int64
	for {
		n, err := recordLen(f, off, st.Size())
		if err != nil {
			break
		}
		off += n
		s.count++
	}
	s.size = off
	if off < st.Size() {
		if last {
			if err := os.Truncate(s.path, off); err != nil {
				return fmt.Errorf("outbox: cut torn record: %w", err)
			}
		} else {
			s.size = st.Size() // the bytes are still on disk until the segment goes
		}
	}
	return nil
}

// recordLen validates the record at off and returns its length on disk.
func recordLen(f *os.File, off, fileSize int64) (int64, error) {
	var h [headerLen]byte
	if off+headerLen > fileSize {
		return 0, io.ErrUnexpectedEOF
	}
	if _, err := f.ReadAt(h[:], off); err != nil {
		return 0, err
	}
	n := int64(binary.LittleEndian.Uint32(h[:4]))
	if n < 3 || off+headerLen+n > fileSize {
		return 0, io.ErrUnexpectedEOF
	}
	body := make([]byte, n)
	if _, err := f.ReadAt(body, off+headerLen); err != nil {
		return 0, err
	}
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(h[4:]) {
		return 0, errors.New("outbox: checksum mismatch")
	}
	return headerLen + n, nil
}

func (o *Outbox) newSegment() error {
	s := &segment{first: o.next, path: filepath.Join(o.opt.Dir, fmt.Sprintf("%016x%s", o.next, segSuffix))}
	f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("outbox: create segment: %w (disk full or state directory not writable?)", err)
	}
	if o.active != nil {
		o.active.Close()
	}
	o.active = f
	o.segs = append(o.segs, s)
	if o.opt.SyncEvery == 0 {
		syncDir(o.opt.Dir)
	}
	return nil
}

// Append stores r at the end of the queue. It returns how many undelivered
// records were dropped to keep the bound (0 normally). Nothing is stored on
// error.
func (o *Outbox) Append(r Record) (dropped uint64, err error) {
	if len(r.Topic) == 0 || len(r.Topic) >= maxTopicLen || r.QoS > 2 {
		return 0, fmt.Errorf("outbox: bad record (topic %d bytes, qos %d)", len(r.Topic), r.QoS)
	}
	n := int64(headerLen + 3 + len(r.Topic) + len(r.Payload))
	if n > o.opt.SegmentBytes || n > o.opt.MaxBytes/2 {
		return 0, fmt.Errorf("%w: %d bytes (segment %d)", ErrTooLarge, n, o.opt.SegmentBytes)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.active == nil {
		return 0, errors.New("outbox: closed")
	}
	if o.segs[len(o.segs)-1].size+n > o.opt.SegmentBytes {
		if err := o.newSegment(); err != nil {
			return 0, err
		}
	}
	for o.size+n > o.opt.MaxBytes && len(o.segs) > 1 {
		dropped += o.dropOldest()
	}
	o.buf = encode(o.buf[:0], r)
	if _, err := o.active.Write(o.buf); err != nil {
		// A short write leaves a torn tail that a later append would bury:
		// cut it off so the segment stays parseable.
		s := o.segs[len(o.segs)-1]
		_ = o.active.Truncate(s.size)
		return dropped, fmt.Errorf("outbox: append: %w (disk full?)", err)
	}
	s := o.segs[len(o.segs)-1]
	s.size += n
	s.count++
	o.size += n
	o.next++
	o.dirty = true
	if o.opt.SyncEvery == 0 {
		if err := o.active.Sync(); err != nil {
			return dropped, fmt.Errorf("outbox: fsync: %w", err)
		}
		if dropped > 0 {
			o.curFile.Sync()
		}
		o.dirty = false
	}
	o.signal()
	return dropped, nil
}

// dropOldest deletes the oldest segment and returns how many of its records
// were not delivered yet. Callers hold mu and ensure it is not the active one.
func (o *Outbox) dropOldest() uint64 {
	s := o.segs[0]
	o.segs = o.segs[1:]
	o.size -= s.size
	os.Remove(s.path)
	end := s.first + s.count
	var lost uint64
	if o.cursor < end {
		lost = end - max(o.cursor, o.lostTo)
		if o.lostTo > end {
			lost = 0
		}
		o.cursor = o.segs[0].first
		o.lostTo = max(o.lostTo, o.cursor)
		o.writeCursor()
	}
	if o.read < o.cursor {
		o.read = o.cursor
	}
	if o.rfile != nil && o.rseg == s.first {
		o.closeReader()
	}
	o.dropped += lost
	return lost
}

func encode(b []byte, r Record) []byte {
	body := 3 + len(r.Topic) + len(r.Payload)
	b = binary.LittleEndian.AppendUint32(b, uint32(body))
	b = append(b, 0, 0, 0, 0)
	flags := r.QoS & 3
	if r.Retain {
		flags |= 4
	}
	b = append(b, flags)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(r.Topic)))
	b = append(b, r.Topic...)
	b = append(b, r.Payload...)
	binary.LittleEndian.PutUint32(b[len(b)-body-4:], crc32.Checksum(b[len(b)-body:], castagnoli))
	return b
}

func decode(body []byte) (Record, error) {
	if len(body) < 3 {
		return Record{}, errors.New("outbox: short record")
	}
	tl := int(binary.LittleEndian.Uint16(body[1:3]))
	if 3+tl > len(body) {
		return Record{}, errors.New("outbox: bad topic length")
	}
	return Record{
		QoS: body[0] & 3, Retain: body[0]&4 != 0,
		Topic:   string(body[3 : 3+tl]),
		Payload: append([]byte(nil), body[3+tl:]...),
	}, nil
}

// Next returns the next record not yet handed out since Open (reading runs
// ahead of Commit: records handed out and not committed are in flight), or
// ok=false when there is none. After a restart reading starts again at the
// oldest uncommitted record.
func (o *Outbox) Next() (e Entry, ok bool, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.read < o.cursor {
		o.read = o.cursor
	}
	for o.read < o.next {
		if err := o.seekRead(); err != nil {
			return Entry{}, false, err
		}
		if o.read >= o.next {
			break
		}
		var h [headerLen]byte
		if _, err := o.rfile.ReadAt(h[:], o.roff); err != nil {
			return Entry{}, false, fmt.Errorf("outbox: read: %w", err)
		}
		n := int64(binary.LittleEndian.Uint32(h[:4]))
		body := make([]byte, n)
		if _, err := o.rfile.ReadAt(body, o.roff+headerLen); err != nil {
			return Entry{}, false, fmt.Errorf("outbox: read: %w", err)
		}
		seq := o.read
		o.read++
		o.rpos++
		o.roff += headerLen + n
		var r Record
		if crc32.Checksum(body, castagnoli) == binary.LittleEndian.Uint32(h[4:]) {
			r, err = decode(body)
		} else {
			err = errors.New("checksum mismatch")
		}
		if err != nil {
			// Verified at Open or written by us: a mismatch now means the
			// medium is failing. Skip the record rather than wedge the
			// queue, and count it.
			o.lose(seq, seq+1)
			continue
		}
		return Entry{Seq: seq, Record: r}, true, nil
	}
	return Entry{}, false, nil
}

// lose counts records [from, to) as dropped, once.
func (o *Outbox) lose(from, to uint64) {
	from = max(from, o.lostTo)
	if to > from {
		o.dropped += to - from
		o.lostTo = to
	}
}

func (o *Outbox) closeReader() {
	if o.rfile != nil {
		o.rfile.Close()
		o.rfile = nil
	}
}

// seekRead positions rfile/roff at the record numbered read, moving to the
// next segment past the end of one and skipping (and counting) records lost
// to corruption.
func (o *Outbox) seekRead() error {
	for o.read < o.next {
		var s *segment
		for _, c := range o.segs {
			if c.first <= o.read && o.read < c.first+c.count {
				s = c
				break
			}
		}
		if s == nil {
			// read falls in a gap (the unreadable tail of an old segment):
			// skip to the next segment.
			skip := o.next
			for _, c := range o.segs {
				if c.first > o.read {
					skip = c.first
					break
				}
			}
			o.lose(o.read, skip)
			o.read = skip
			o.closeReader()
			continue
		}
		if o.rfile == nil || o.rseg != s.first || o.rpos > o.read {
			o.closeReader()
			f, err := os.Open(s.path)
			if err != nil {
				return fmt.Errorf("outbox: open segment: %w", err)
			}
			o.rfile, o.rseg, o.roff, o.rpos = f, s.first, 0, s.first
		}
		for o.rpos < o.read {
			var h [4]byte
			if _, err := o.rfile.ReadAt(h[:], o.roff); err != nil {
				return fmt.Errorf("outbox: read: %w", err)
			}
			o.roff += headerLen + int64(binary.LittleEndian.Uint32(h[:]))
			o.rpos++
		}
		return nil
	}
	return nil
}

// Commit marks every record up to and including seq as delivered (the
// broker acknowledged it). Fully delivered segments other than the active
// one are deleted.
func (o *Outbox) Commit(seq uint64) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if seq < o.cursor || seq >= o.next {
		return nil
	}
	o.cursor = seq + 1
	if o.read < o.cursor {
		o.read = o.cursor
	}
	for len(o.segs) > 1 && o.segs[0].first+o.segs[0].count <= o.cursor {
		s := o.segs[0]
		o.segs = o.segs[1:]
		o.size -= s.size
		os.Remove(s.path)
		if o.rfile != nil && o.rseg == s.first {
			o.closeReader()
		}
	}
	if err := o.writeCursor(); err != nil {
		return err
	}
	if o.opt.SyncEvery == 0 {
		if err := o.curFile.Sync(); err != nil {
			return fmt.Errorf("outbox: fsync cursor: %w", err)
		}
	}
	return nil
}

func (o *Outbox) writeCursor() error {
	var cb [12]byte
	binary.LittleEndian.PutUint64(cb[:8], o.cursor)
	binary.LittleEndian.PutUint32(cb[8:], crc32.Checksum(cb[:8], castagnoli))
	if _, err := o.curFile.WriteAt(cb[:], 0); err != nil {
		return fmt.Errorf("outbox: write cursor: %w", err)
	}
	o.dirty = true
	return nil
}

// Sync fsyncs appends and the cursor if anything changed since the last sync.
func (o *Outbox) Sync() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.dirty || o.active == nil {
		return nil
	}
	if err := o.active.Sync(); err != nil {
		return fmt.Errorf("outbox: fsync: %w", err)
	}
	if err := o.curFile.Sync(); err != nil {
		return fmt.Errorf("outbox: fsync cursor: %w", err)
	}
	syncDir(o.opt.Dir)
	o.dirty = false
	return nil
}

// Len returns the number of records not yet committed (queued or in flight).
func (o *Outbox) Len() uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.next - o.cursor
}

// Stats returns the queue's figures.
func (o *Outbox) Stats() Stats {
	o.mu.Lock()
	defer o.mu.Unlock()
	return Stats{Pending: o.next - o.cursor, InFlight: max(o.read, o.cursor) - o.cursor, Bytes: o.size, Segments: len(o.segs), Dropped: o.dropped}
}

// Ready receives a value after an Append (and at Open when records are
// pending). It has room for one: readers call Next until it has nothing
// after each.
func (o *Outbox) Ready() <-chan struct{} { return o.notify }

func (o *Outbox) signal() {
	select {
	case o.notify <- struct{}{}:
	default:
	}
}

// Close syncs and closes the files. It is safe to call twice.
func (o *Outbox) Close() error {
	err := o.Sync()
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closeFiles()
	return err
}

func (o *Outbox) closeFiles() {
	for _, f := range []**os.File{&o.active, &o.curFile, &o.rfile} {
		if *f != nil {
			(*f).Close()
			*f = nil
		}
	}
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
