package outbox

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func rec(i int) Record {
	return Record{Topic: "cuecast/s/t/event", QoS: 1, Retain: i%3 == 0, Payload: []byte(fmt.Sprintf(`{"n":%d}`, i))}
}

func open(t *testing.T, dir string, maxBytes int64, sync time.Duration) *Outbox {
	t.Helper()
	o, err := Open(Options{Dir: dir, MaxBytes: maxBytes, SyncEvery: sync})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { o.Close() })
	return o
}

// drain reads and commits up to n records, checking each is the next one.
func drain(t *testing.T, o *Outbox, want *int, n int) {
	t.Helper()
	for ; n > 0; n-- {
		e, ok, err := o.Next()
		if err != nil || !ok {
			t.Fatalf("Next = %v, %v; want record %d", ok, err, *want)
		}
		r := rec(*want)
		if e.Topic != r.Topic || e.QoS != r.QoS || e.Retain != r.Retain || string(e.Payload) != string(r.Payload) {
			t.Fatalf("Next = %+v, want %+v", e.Record, r)
		}
		if err := o.Commit(e.Seq); err != nil {
			t.Fatal(err)
		}
		*want++
	}
}

func TestOrderAndRestart(t *testing.T) {
	for _, sync := range []time.Duration{0, time.Second} {
		t.Run(fmt.Sprint("sync=", sync), func(t *testing.T) {
			dir := t.TempDir()
			o := open(t, dir, 1<<20, sync)
			for i := range 100 {
				if _, err := o.Append(rec(i)); err != nil {
					t.Fatal(err)
				}
			}
			want := 0
			drain(t, o, &want, 40)
			// Read one more without committing: a restart must give it again.
			if _, ok, _ := o.Next(); !ok {
				t.Fatal("Next: empty, want record 40")
			}
			o.Close()

			o = open(t, dir, 1<<20, sync)
			if got := o.Len(); got != 60 {
				t.Fatalf("Len after reopen = %d, want 60", got)
			}
			for i := 100; i < 120; i++ {
				o.Append(rec(i))
			}
			drain(t, o, &want, 80)
			if _, ok, _ := o.Next(); ok {
				t.Fatal("Next after draining everything returned a record")
			}
			if st := o.Stats(); st.Dropped != 0 || st.Pending != 0 {
				t.Fatalf("Stats = %+v, want nothing dropped or pending", st)
			}
		})
	}
}

func TestTornTailIsCut(t *testing.T) {
	dir := t.TempDir()
	o := open(t, dir, 1<<20, time.Second)
	for i := range 5 {
		o.Append(rec(i))
	}
	o.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	f, err := os.OpenFile(segs[len(segs)-1], os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Half a record: a length that promises more bytes than follow.
	f.Write([]byte{200, 0, 0, 0, 1, 2})
	f.Close()

	o = open(t, dir, 1<<20, time.Second)
	if got := o.Len(); got != 5 {
		t.Fatalf("Len after torn write = %d, want 5", got)
	}
	o.Append(rec(5))
	want := 0
	drain(t, o, &want, 6)
}

func TestBoundDropsOldestAndCounts(t *testing.T) {
	dir := t.TempDir()
	const maxBytes = 64 << 10
	o := open(t, dir, maxBytes, time.Second)
	const n = 5000 // ~40 bytes each: about three times the bound
	var dropped uint64
	for i := range n {
		d, err := o.Append(rec(i))
		if err != nil {
			t.Fatal(err)
		}
		dropped += d
		if st := o.Stats(); st.Bytes > maxBytes {
			t.Fatalf("after %d appends Bytes = %d, want <= %d", i+1, st.Bytes, maxBytes)
		}
	}
	if dropped == 0 {
		t.Fatal("no record dropped past the bound")
	}
	st := o.Stats()
	if st.Dropped != dropped || st.Pending+dropped != n {
		t.Fatalf("Stats = %+v, Append reported %d dropped; want pending+dropped = %d", st, dropped, n)
	}
	// What is left is the newest records, contiguous and in order.
	want := int(dropped)
	drain(t, o, &want, int(st.Pending))
	if want != n {
		t.Fatalf("drained up to %d, want %d", want, n)
	}
}

func TestCommittedSegmentsAreDeleted(t *testing.T) {
	dir := t.TempDir()
	o := open(t, dir, 64<<10, time.Second)
	want := 0
	for i := range 3000 {
		o.Append(rec(i))
		if i%10 == 9 {
			drain(t, o, &want, 10)
		}
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	if len(segs) > 2 {
		t.Fatalf("%d segment files after everything was delivered, want at most 2", len(segs))
	}
	if st := o.Stats(); st.Dropped != 0 {
		t.Fatalf("Dropped = %d with a consumer keeping up", st.Dropped)
	}
}

func TestBadCursorResendsEverything(t *testing.T) {
	dir := t.TempDir()
	o := open(t, dir, 1<<20, 0)
	for i := range 10 {
		o.Append(rec(i))
	}
	want := 0
	drain(t, o, &want, 4)
	o.Close()
	if err := os.WriteFile(filepath.Join(dir, "cursor"), []byte("garbage-bytes"), 0o640); err != nil {
		t.Fatal(err)
	}
	o = open(t, dir, 1<<20, 0)
	if got := o.Len(); got != 10 {
		t.Fatalf("Len with an unreadable cursor = %d, want 10 (resend, never lose)", got)
	}
}

func TestRejectsBadRecords(t *testing.T) {
	o := open(t, t.TempDir(), 64<<10, 0)
	for _, r := range []Record{
		{Topic: "", QoS: 1},
		{Topic: "a", QoS: 3},
		{Topic: "a", QoS: 1, Payload: []byte(strings.Repeat("x", 40<<10))},
	} {
		if _, err := o.Append(r); err == nil {
			t.Errorf("Append(topic %q, qos %d, %d bytes) = nil error", r.Topic, r.QoS, len(r.Payload))
		}
	}
	if o.Len() != 0 {
		t.Fatalf("Len = %d after rejected appends, want 0", o.Len())
	}
}

func TestReadAheadAndCommit(t *testing.T) {
	dir := t.TempDir()
	o := open(t, dir, 1<<20, 0)
	for i := range 10 {
		o.Append(rec(i))
	}
	var seqs []uint64
	for range 5 {
		e, ok, err := o.Next()
		if !ok || err != nil {
			t.Fatalf("Next = %v, %v", ok, err)
		}
		seqs = append(seqs, e.Seq)
	}
	if st := o.Stats(); st.Pending != 10 || st.InFlight != 5 {
		t.Fatalf("Stats after reading 5 = %+v, want 10 pending, 5 in flight", st)
	}
	o.Commit(seqs[2])
	if st := o.Stats(); st.Pending != 7 || st.InFlight != 2 {
		t.Fatalf("Stats after committing 3 = %+v, want 7 pending, 2 in flight", st)
	}
	// Reading goes on where it was, not at the cursor.
	if e, _, _ := o.Next(); string(e.Payload) != string(rec(5).Payload) {
		t.Fatalf("Next after Commit = %s, want record 5", e.Payload)
	}
	o.Close()
	// A restart resends what was in flight: from the cursor.
	o = open(t, dir, 1<<20, 0)
	want := 3
	drain(t, o, &want, 7)
}

func TestCorruptOldSegmentIsSkippedAndCounted(t *testing.T) {
	dir := t.TempDir()
	o, err := Open(Options{Dir: dir, MaxBytes: 1 << 20, SegmentBytes: 4 << 10, SyncEvery: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	const n = 400 // ~40 bytes each: several 4 KiB segments
	for i := range n {
		o.Append(rec(i))
	}
	o.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	if len(segs) < 3 {
		t.Fatalf("%d segments, want at least 3", len(segs))
	}
	// Flip a byte in the middle of the first segment.
	b, _ := os.ReadFile(segs[0])
	b[len(b)/2] ^= 0xFF
	os.WriteFile(segs[0], b, 0o640)

	o, err = Open(Options{Dir: dir, MaxBytes: 1 << 20, SegmentBytes: 4 << 10, SyncEvery: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	got := 0
	prev := -1
	for {
		e, ok, err := o.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		var k int
		fmt.Sscanf(string(e.Payload), `{"n":%d}`, &k)
		if k <= prev {
			t.Fatalf("record %d after %d: out of order", k, prev)
		}
		prev = k
		got++
		o.Commit(e.Seq)
	}
	st := o.Stats()
	if st.Dropped == 0 || uint64(got)+st.Dropped != n {
		t.Fatalf("read %d, dropped %d; want some dropped and read+dropped = %d", got, st.Dropped, n)
	}
}
