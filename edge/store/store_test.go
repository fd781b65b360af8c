package store

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/history"
	"github.com/cuecast/cuecast/edge/model"
)

var table9 = model.Standard(model.Table9ft)

var t0 = time.Date(2026, 3, 1, 19, 0, 0, 0, time.UTC)

// shotAt makes a plausible practice shot i seconds after t0: the cue ball
// sends the 1 towards the top-right corner and pockets it on even i.
func shotAt(id string, i int, shooter string) *history.Shot {
	end := t0.Add(time.Duration(i) * 10 * time.Second)
	pocketed := map[string]string{}
	if i%2 == 0 {
		pocketed["1"] = model.PocketTopRight
	}
	rec := &model.ShotRecord{ID: id, GameType: "practice", Number: i + 2, Shooter: shooter, Started: end.Add(-4 * time.Second), Ended: end,
		Summary: model.ShotSummary{FirstContact: "1", Pocketed: pocketed, DurationS: 4,
			Start: []model.BallSpot{{ID: "cue", Pos: model.Vec2{X: 1.0, Y: 0.5}}, {ID: "1", Pos: model.Vec2{X: 2.0, Y: 0.9}}},
			End:   []model.BallSpot{{ID: "cue", Pos: model.Vec2{X: 1.8, Y: 0.7}}, {ID: "2", Pos: model.Vec2{X: 0.5, Y: 0.5}}},
			Paths: []model.BallPath{{Ball: "cue", Points: []model.Vec2{{X: 1, Y: 0.5}, {X: 1.8, Y: 0.7}}}, {Ball: "1", Points: []model.Vec2{{X: 2, Y: 0.9}, {X: 2.5, Y: 1.2}}}}},
		Prediction: &model.Trajectory{Target: "1", Paths: []model.BallPath{{Ball: "cue", Points: []model.Vec2{{X: 1, Y: 0.5}, {X: 1.75, Y: 0.72}}},
			{Ball: "1", Points: []model.Vec2{{X: 2, Y: 0.9}, {X: 2.54, Y: 1.27}}}}, Outcome: model.ShotOutcome{Pocketed: map[string]string{"1": model.PocketTopRight}}},
	}
	return &history.Shot{ID: id, GameType: rec.GameType, Number: rec.Number, Shooter: shooter, Started: rec.Started, Ended: rec.Ended,
		Source: history.SourceShotEnded, Record: rec, Features: history.Derive(rec, table9)}
}

func testJPEG(t testing.TB, w, h int, seed uint64) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(seed, 1))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(r.IntN(256)), uint8(100 + r.IntN(100)), uint8(60 + y%30), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 70}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func open(t testing.TB, o Options) *Store {
	t.Helper()
	if o.Path == "" {
		o.Path = filepath.Join(t.TempDir(), "history.db")
	}
	s, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// wait enqueues through add and waits for the commit.
func wait(t testing.TB, add func(done func(error)) bool) error {
	t.Helper()
	ch := make(chan error, 1)
	add(func(err error) { ch <- err })
	select {
	case err := <-ch:
		return err
	case <-time.After(time.Minute):
		t.Fatal("write not acknowledged within a minute")
		return nil
	}
}

func TestWriteReadReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	s := open(t, Options{Path: path})
	ctx := context.Background()
	for i := 0; i < 7; i++ {
		sh := shotAt(fmt.Sprintf("s%d", i), i, []string{"ann", "bob"}[i%2])
		if err := wait(t, func(d func(error)) bool { return s.AddShot(sh, i == 0, d) }); err != nil {
			t.Fatalf("shot %d: %v", i, err)
		}
		if sh.Session == 0 || sh.Rack == 0 {
			t.Fatalf("shot %d: session %d rack %d not assigned", i, sh.Session, sh.Rack)
		}
	}
	img := testJPEG(t, 64, 36, 1)
	if err := wait(t, func(d func(error)) bool { return s.PutImage("s3", history.ImageBefore, img, d) }); err != nil {
		t.Fatal(err)
	}
	// Bad writes are refused and change nothing.
	if err := wait(t, func(d func(error)) bool { return s.AddShot(shotAt("s3", 3, "ann"), false, d) }); !errors.Is(err, ErrExists) {
		t.Errorf("duplicate id: err = %v, want ErrExists", err)
	}
	if err := wait(t, func(d func(error)) bool { return s.PutImage("nope", history.ImageAfter, img, d) }); !errors.Is(err, ErrNotFound) {
		t.Errorf("image of an unknown shot: err = %v, want ErrNotFound", err)
	}
	if err := wait(t, func(d func(error)) bool { return s.PutImage("s3", history.ImageAfter, []byte("GIF89a"), d) }); err == nil {
		t.Error("a GIF was taken as a JPEG")
	}
	bad := shotAt("bad", 1, "ann")
	bad.Record.Ended = bad.Record.Started.Add(-time.Second)
	if err := wait(t, func(d func(error)) bool { return s.AddShot(bad, false, d) }); err == nil {
		t.Error("a shot ending before it starts was stored")
	}

	// Paging, newest first, with a filter.
	q := history.Query{Player: "ann", Limit: 2}
	var got []string
	for {
		p, err := s.Shots(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != 4 {
			t.Fatalf("total = %d, want 4", p.Total)
		}
		for _, sh := range p.Shots {
			got = append(got, sh.ID)
		}
		if p.NextCursor == "" {
			break
		}
		if q.After, err = history.ParseCursor(p.NextCursor); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Join(got, ",") != "s6,s4,s2,s0" {
		t.Errorf("ann's shots = %v, want s6,s4,s2,s0", got)
	}
	sh, err := s.Shot(ctx, "s3")
	if err != nil || sh.Record == nil || sh.Record.Summary.FirstContact != "1" || !sh.Images.Before || sh.Images.After {
		t.Fatalf("Shot(s3) = %+v, %v", sh, err)
	}
	if b, err := s.Image(ctx, "s3", history.ImageBefore); err != nil || !bytes.Equal(b, img) {
		t.Errorf("Image(s3, before) = %d bytes, %v", len(b), err)
	}
	if _, err := s.Image(ctx, "s3", history.ImageAfter); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing picture: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Shot(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Shot(nope): err = %v, want ErrNotFound", err)
	}

	// The referee's record replaces the provisional one, keeping its place and picture.
	ref := shotAt("ref-3", 3, "ann")
	ref.Source, ref.GameID, ref.Record.GameID = history.SourceShot, "g1", "g1"
	w := "ann"
	ref.Record.Decision = &model.Decision{Legal: true, GameOver: true, Winner: &w}
	ref.Features = history.Derive(ref.Record, table9)
	if err := wait(t, func(d func(error)) bool { return s.ReplaceShot("s3", ref, d) }); err != nil {
		t.Fatal(err)
	}
	// The provisional id still leads to the shot, and a picture taken
	// under it (the after picture comes later) lands on the replacement.
	if sh, err := s.Shot(ctx, "s3"); err != nil || sh.ID != "ref-3" {
		t.Errorf("Shot(provisional id) = %+v, %v; want the replacement", sh, err)
	}
	if err := wait(t, func(d func(error)) bool { return s.PutImage("s3", history.ImageAfter, img, d) }); err != nil {
		t.Fatal(err)
	}
	if sh, err := s.Shot(ctx, "ref-3"); err != nil || !sh.Images.Before || !sh.Images.After || sh.Source != history.SourceShot || sh.Rack == 0 {
		t.Errorf("replacement = %+v, %v", sh, err)
	}
	if n, _ := s.Count(ctx, history.Query{}); n != 7 {
		t.Errorf("%d shots after a replacement, want 7", n)
	}
	if g, err := s.Game(ctx, "g1"); err != nil || g.Winner != "ann" || g.Ended == nil || g.Shots != 1 {
		t.Errorf("game g1 = %+v, %v", g, err)
	}

	st, err := s.Stats(ctx, history.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Shots != 7 || st.Pocketing.Attempts != 7 || st.Position.N != 7 {
		t.Errorf("stats: %d shots, %d attempts, %d position errors; want 7 each", st.Shots, st.Pocketing.Attempts, st.Position.N)
	}
	sess, err := s.Sessions(ctx, 10)
	if err != nil || len(sess) != 1 || sess[0].Shots != 7 || strings.Join(sess[0].Players, ",") != "ann,bob" {
		t.Fatalf("sessions = %+v, %v", sess, err)
	}
	// A reset starts a new session; the next shot goes there.
	ns, err := s.NewSession(ctx, "league night")
	if err != nil || ns.ID == sess[0].ID {
		t.Fatalf("NewSession = %+v, %v", ns, err)
	}
	next := shotAt("s7", 7, "ann")
	if err := wait(t, func(d func(error)) bool { return s.AddShot(next, false, d) }); err != nil || next.Session != ns.ID {
		t.Fatalf("shot after reset: session %d, want %d (%v)", next.Session, ns.ID, err)
	}
	s.Close()
	s.Close() // twice is fine
	if s.AddShot(shotAt("late", 9, ""), false, nil) {
		t.Error("AddShot after Close was accepted")
	}

	// Reopen: everything is there, the session goes on.
	s2 := open(t, Options{Path: path})
	if n, err := s2.Count(ctx, history.Query{}); err != nil || n != 8 {
		t.Fatalf("after reopen: %d shots (%v), want 8", n, err)
	}
	later := shotAt("s8", 8, "ann")
	if err := wait(t, func(d func(error)) bool { return s2.AddShot(later, false, d) }); err != nil || later.Session != ns.ID || later.Rack != next.Rack {
		t.Fatalf("after reopen: session %d rack %d, want %d %d (%v)", later.Session, later.Rack, ns.ID, next.Rack, err)
	}
	var v int
	s2.rdb.QueryRow("PRAGMA user_version").Scan(&v)
	var av int
	s2.rdb.QueryRow("PRAGMA auto_vacuum").Scan(&av)
	var jm string
	s2.rdb.QueryRow("PRAGMA journal_mode").Scan(&jm)
	if v != SchemaVersion || av != 2 || jm != "wal" {
		t.Errorf("user_version %d auto_vacuum %d journal_mode %s; want %d, 2 (incremental), wal", v, av, jm, SchemaVersion)
	}
}

func TestSessionIdle(t *testing.T) {
	s := open(t, Options{SessionIdle: time.Hour})
	a, b := shotAt("a", 0, ""), shotAt("b", 1, "")
	c := shotAt("c", 1, "")
	c.Ended, c.Record.Ended = c.Ended.Add(2*time.Hour), c.Record.Ended.Add(2*time.Hour)
	c.Started, c.Record.Started = c.Ended.Add(-time.Second), c.Record.Ended.Add(-time.Second)
	for _, sh := range []*history.Shot{a, b, c} {
		if err := wait(t, func(d func(error)) bool { return s.AddShot(sh, false, d) }); err != nil {
			t.Fatal(err)
		}
	}
	if a.Session != b.Session || c.Session == b.Session || c.Rack == b.Rack {
		t.Errorf("sessions %d %d %d, racks %d %d %d: a two-hour gap must start a new session and rack", a.Session, b.Session, c.Session, a.Rack, b.Rack, c.Rack)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	s := open(t, Options{Path: path})
	s.wdb.Exec(fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion+1))
	s.Close()
	if _, err := Open(Options{Path: path}); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open of a newer schema: err = %v", err)
	}
	if err := os.WriteFile(path, []byte("not a database at all, just text that is long enough to look like a header...."), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(path + "-wal")
	os.Remove(path + "-shm")
	if _, err := Open(Options{Path: path}); !errors.Is(err, ErrDamaged) {
		t.Fatalf("Open of a text file: err = %v, want ErrDamaged", err)
	}
}

// A full queue refuses, counts and reports; it never blocks the caller.
func TestQueueFullNeverBlocks(t *testing.T) {
	var mu sync.Mutex
	var reported uint64
	s := open(t, Options{QueueSize: 2, OnDrop: func(n uint64) { mu.Lock(); reported = n; mu.Unlock() }})
	// Hold the writer inside a commit: the queue fills behind it.
	release := make(chan struct{})
	held := make(chan struct{})
	first := shotAt("first", 0, "")
	s.AddShot(first, false, func(error) { close(held); <-release })
	<-held
	accepted, refused := 0, 0
	var errs []error
	for i := 1; i <= 10; i++ {
		if s.AddShot(shotAt(fmt.Sprint(i), i, ""), false, func(err error) {
			if err != nil {
				errs = append(errs, err)
			}
		}) {
			accepted++
		} else {
			refused++
		}
	}
	close(release)
	if accepted != 2 || refused != 8 {
		t.Errorf("accepted %d refused %d, want 2 and 8 (queue of 2)", accepted, refused)
	}
	mu.Lock()
	defer mu.Unlock()
	if m := s.Metrics(); m.Dropped != 8 || reported != 8 || len(errs) != 8 || !errors.Is(errs[0], ErrFull) {
		t.Errorf("dropped %d, reported %d, %d ErrFull callbacks; want 8 each", m.Dropped, reported, len(errs))
	}
}

// The size bound: pictures of the oldest shots go first, then the oldest
// shots; the newest stay and the file shrinks back under the bound.
func TestPruneOldestFirst(t *testing.T) {
	const max = 600 << 10
	s := open(t, Options{MaxBytes: max})
	img := testJPEG(t, 200, 120, 7)
	if len(img) < 10<<10 {
		t.Fatalf("test picture only %d bytes", len(img))
	}
	ctx := context.Background()
	n := 0
	for ; n < 120; n++ {
		id := fmt.Sprint("p", n)
		if err := wait(t, func(d func(error)) bool { return s.AddShot(shotAt(id, n, ""), false, d) }); err != nil {
			t.Fatal(err)
		}
		if err := wait(t, func(d func(error)) bool { return s.PutImage(id, history.ImageBefore, img, d) }); err != nil {
			t.Fatal(err)
		}
	}
	m := s.Metrics()
	if m.PrunedImages == 0 || m.Bytes > max {
		t.Fatalf("after %d shots with %d-byte pictures: %+v; want pictures pruned and bytes <= %d", n, len(img), m, max)
	}
	newest, err := s.Shot(ctx, fmt.Sprint("p", n-1))
	if err != nil || !newest.Images.Before {
		t.Fatalf("newest shot lost its picture: %+v %v", newest, err)
	}
	oldest, err := s.Shot(ctx, "p0")
	if err != nil || oldest.Images.Before {
		t.Fatalf("oldest shot: %+v %v; want it kept without its picture", oldest, err)
	}
	// Without pictures left to drop, whole shots go, oldest first.
	s.Close()
	s2 := open(t, Options{Path: s.Path(), MaxBytes: 160 << 10})
	for i := 0; i < 150; i++ {
		id := fmt.Sprint("q", i)
		if err := wait(t, func(d func(error)) bool { return s2.AddShot(shotAt(id, 200+i, ""), false, d) }); err != nil {
			t.Fatal(err)
		}
	}
	if m := s2.Metrics(); m.PrunedShots == 0 || m.Bytes > 160<<10 {
		t.Fatalf("%+v: want shots pruned under 160 KiB", m)
	}
	if _, err := s2.Shot(ctx, "p0"); !errors.Is(err, ErrNotFound) {
		t.Errorf("oldest shot survived pruning: %v", err)
	}
	if _, err := s2.Shot(ctx, "q149"); err != nil {
		t.Errorf("newest shot pruned: %v", err)
	}
	if v, err := s2.IntegrityCheck(ctx); err != nil || v != "ok" {
		t.Errorf("integrity after pruning: %q %v", v, err)
	}
	fi, _ := os.Stat(s.Path())
	t.Logf("file %d bytes after pruning to %d in use", fi.Size(), s2.Metrics().Bytes)
}

// crashEnv makes the test binary a writer child for TestKillMidWrite.
const crashEnv = "CUECAST_STORE_CRASH_CHILD"

// TestMain lets the test binary act as the crash test's child.
func TestMain(m *testing.M) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(path)
		return
	}
	os.Exit(m.Run())
}

// crashChild writes shots with pictures as fast as it can and prints
// "ack ID" for each one the store acknowledged, until it is killed.
func crashChild(path string) {
	s, err := Open(Options{Path: path, QueueSize: 64})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(3)
	}
	out := bufio.NewWriter(os.Stdout)
	var mu sync.Mutex
	ack := func(id string) func(error) {
		return func(err error) {
			if err != nil {
				return
			}
			mu.Lock()
			fmt.Fprintf(out, "ack %s\n", id)
			out.Flush()
			mu.Unlock()
		}
	}
	pid := os.Getpid()
	img := testJPEG(nil, 160, 90, uint64(pid))
	for i := 0; ; i++ {
		id := fmt.Sprintf("c%d-%d", pid, i)
		for !s.AddShot(shotAt(id, i, "crash"), i%10 == 0, ack(id)) {
			time.Sleep(time.Millisecond) // queue full: wait for the writer
		}
		for !s.PutImage(id, history.ImageBefore, img, ack(id+"/img")) {
			time.Sleep(time.Millisecond)
		}
	}
}

// TestKillMidWrite: a child writes shots and pictures under load and is
// killed with SIGKILL at a random moment, three times over the same file.
// After each kill the database opens, passes PRAGMA integrity_check, and
// holds every shot and picture the child saw acknowledged.
func TestKillMidWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns writers")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	total := 0
	for round := 0; round < 3; round++ {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), crashEnv+"="+path)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill after a random number of acknowledgements: the child is then
		// in the middle of writing (it never stops).
		killAt := 50 + r.IntN(250)
		var acked []string
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			id, ok := strings.CutPrefix(line, "ack ")
			if !ok {
				t.Fatalf("child: %s", line)
			}
			acked = append(acked, id)
			if len(acked) == killAt {
				cmd.Process.Signal(syscall.SIGKILL)
			}
		}
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: child ended with %v after %d acks, not by SIGKILL", round, err, len(acked))
		}
		s, err := Open(Options{Path: path})
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		ctx := context.Background()
		if v, err := s.IntegrityCheck(ctx); err != nil || v != "ok" {
			t.Fatalf("round %d: integrity_check = %q, %v", round, v, err)
		}
		shots := 0
		for _, id := range acked {
			if shot, ok := strings.CutSuffix(id, "/img"); ok {
				if _, err := s.Image(ctx, shot, history.ImageBefore); err != nil {
					t.Errorf("round %d: acknowledged picture of %s lost: %v", round, shot, err)
				}
				continue
			}
			shots++
			if _, err := s.Shot(ctx, id); err != nil {
				t.Errorf("round %d: acknowledged shot %s lost: %v", round, id, err)
			}
		}
		n, _ := s.Count(ctx, history.Query{})
		if n < total+shots {
			t.Errorf("round %d: %d shots in the database, want at least %d", round, n, total+shots)
		}
		t.Logf("round %d: killed after %d acks (%d shots); %d shots in the database (unacknowledged ones may be there too)", round, len(acked), shots, n)
		total = n
		s.Close()
	}
}

// TestFlushIsABarrier queues shots and pictures without waiting for them;
// after Flush every one of them reads back.
func TestFlushIsABarrier(t *testing.T) {
	s := open(t, Options{})
	ctx := context.Background()
	img := testJPEG(t, 64, 36, 2)
	const n = 20
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("f%d", i)
		if !s.AddShot(shotAt(id, i, "ann"), i == 0, nil) || !s.PutImage(id, history.ImageAfter, img, nil) {
			t.Fatalf("shot %d not queued", i)
		}
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		sh, err := s.Shot(ctx, fmt.Sprintf("f%d", i))
		if err != nil {
			t.Fatalf("shot %d after Flush: %v", i, err)
		}
		if !sh.Images.After {
			t.Errorf("shot %d: its picture was queued before Flush and is not stored", i)
		}
	}
	s.Close()
	if err := s.Flush(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Flush on a closed store: %v, want ErrClosed", err)
	}
}
