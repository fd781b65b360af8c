package ws

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
)

// benchReader is an allocation-free WebSocket reader for benchmarks: it
// reads server frames into a reused buffer and records publish-to-read
// latency of each publication from the envelope's time field.
type benchReader struct {
	nc   net.Conn
	r    *bufio.Reader
	hdr  [ws.MaxHeaderSize]byte
	buf  []byte
	lats []time.Duration
	n    int
}

var (
	timeKey   = []byte(`"time":"`)
	pubPrefix = []byte(`{"type":"publication"`)
)

func (b *benchReader) loop(done *atomic.Int64, stop <-chan struct{}) {
	for {
		h, err := ws.ReadHeaderBuffer(b.r, b.hdr[:])
		if err != nil {
			return
		}
		if int64(cap(b.buf)) < h.Length {
			b.buf = make([]byte, h.Length)
		}
		p := b.buf[:h.Length]
		if _, err := io.ReadFull(b.r, p); err != nil {
			return
		}
		if h.OpCode != ws.OpText || !bytes.HasPrefix(p, pubPrefix) {
			continue
		}
		now := time.Now()
		if i := bytes.Index(p, timeKey); i >= 0 {
			ts := p[i+len(timeKey):]
			if j := bytes.IndexByte(ts, '"'); j > 0 {
				if t, err := time.Parse(time.RFC3339Nano, unsafeString(ts[:j])); err == nil && len(b.lats) < cap(b.lats) {
					b.lats = append(b.lats, now.Sub(t))
				}
			}
		}
		b.n++
		done.Add(1)
	}
}

// dialRaw performs the client handshake on a raw TCP connection and
// subscribes to streams: a minimal client with no goroutine of its own.
func dialRaw(tb testing.TB, addr, sub string, bufSize int) (net.Conn, io.Reader) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	d := ws.Dialer{}
	u, _ := parseURL("ws://" + addr + "/ws")
	br, _, err := d.Upgrade(nc, u)
	if err != nil {
		tb.Fatal(err)
	}
	var r io.Reader = nc
	if br != nil {
		// Keep what the handshake reader buffered, return the reader to
		// gobwas's pool so it is not counted as this client's memory.
		early, _ := br.Peek(br.Buffered())
		r = io.MultiReader(bytes.NewReader(bytes.Clone(early)), nc)
		ws.PutReader(br)
	}
	if bufSize > 0 {
		r = bufio.NewReaderSize(r, bufSize)
	}
	if sub != "" {
		f := ws.MaskFrameInPlace(ws.NewTextFrame([]byte(sub)))
		if err := ws.WriteFrame(nc, f); err != nil {
			tb.Fatal(err)
		}
	}
	return nc, r
}

func benchEnv(tb testing.TB) *testEnv {
	return newEnv(tb, 0, func(w *config.WebSocket, _ *config.HTTP, _ *config.Hub) {
		w.ConnectionsPerMinute = 1 << 20
		w.MaxConnections = 10000
	})
}

// BenchmarkFanout publishes ~1 KiB state messages at 60 Hz (one per
// iteration) to N WebSocket clients over loopback; clients read in the same
// process with an allocation-free reader. Metrics: delivered msgs/s,
// publish-to-read latency p50/p99, and allocations per publication per
// client (all of the process's allocations, client side included, divided
// by N).
//
//	go test -run '^$' -bench Fanout -benchtime=180x ./edge/ws
func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) { benchFanout(b, n, 60) })
	}
}

// BenchmarkFanoutFiltered is BenchmarkFanout with a real table state (16
// balls, 2.9 KiB) at 1000 clients, without filters and with 10 distinct
// filters spread over the clients (each a where condition that holds and a
// different excluded field, so messages stay nearly the size of the
// unfiltered ones and the comparison is of the filtering itself). Goal:
// cpu-us/msg filtered <= 1.5x unfiltered (issue 18).
//
//	go test -run '^$' -bench FanoutFiltered -benchtime=180x ./edge/ws
func BenchmarkFanoutFiltered(b *testing.B) {
	state := benchState()
	b.Run("filters=0", func(b *testing.B) {
		benchFanoutWith(b, 1000, 60, state, func(int) string { return `{"type":"subscribe","data":{"streams":["state"]}}` })
	})
	b.Run("filters=10", func(b *testing.B) {
		benchFanoutWith(b, 1000, 60, state, func(i int) string { return benchFilters[i%len(benchFilters)] })
	})
}

var benchFilters = func() []string {
	excluded := []string{"balls.vel", "balls.pixel", "balls.radius_px", "balls.confidence", "balls.moving", "corners", "cue", "width", "height", "captured"}
	var out []string
	for _, x := range excluded {
		out = append(out, `{"type":"subscribe","data":{"streams":["state"],"filters":{"state":{"where":{"phase":{"in":["idle","aiming","shot"]}},"exclude":["`+x+`"]}}}}`)
	}
	return out
}()

// benchState is a full table's state as the daemon publishes it.
func benchState() json.RawMessage {
	st := model.State{Seq: 1, Captured: time.Now(), Table: model.Standard(model.Table9ft), Width: 1280, Height: 720, Phase: "aiming",
		Corners: &[4]model.Pixel{{X: 100, Y: 650}, {X: 1180, Y: 650}, {X: 1180, Y: 70}, {X: 100, Y: 70}},
		Cue:     &model.CueAim{Tip: model.Pixel{X: 300, Y: 300}, Butt: model.Pixel{X: 100, Y: 400}, HeadingDeg: 12.5, Confidence: 0.9}}
	for n := 0; n < 16; n++ {
		num := n
		st.Balls = append(st.Balls, model.Ball{ID: model.BallID(n), Class: model.ClassOf(n), Number: &num,
			Pos: model.Vec2{X: 0.1 + 0.15*float64(n), Y: 0.2 + 0.05*float64(n%7)}, Pixel: model.Pixel{X: 120 + 60*float64(n), Y: 200 + 20*float64(n%7)},
			RadiusPx: 11.2, Confidence: 0.93})
	}
	b, _ := json.Marshal(st)
	return b
}

func benchFanout(b *testing.B, n int, hz int) {
	state := json.RawMessage(`{"seq":0,"phase":"aiming","pad":"` + strings.Repeat("x", 960) + `"}`)
	benchFanoutWith(b, n, hz, state, func(int) string { return `{"type":"subscribe","data":{"streams":["state"]}}` })
}

func benchFanoutWith(b *testing.B, n int, hz int, state json.RawMessage, sub func(i int) string) {
	env := benchEnv(b)
	addr := strings.TrimPrefix(env.url, "ws://")
	addr = strings.TrimSuffix(addr, "/ws")
	readers := make([]*benchReader, n)
	var delivered atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := range readers {
		nc, r := dialRaw(b, addr, sub(i), 8192)
		readers[i] = &benchReader{nc: nc, r: r.(*bufio.Reader), buf: make([]byte, 8192), lats: make([]time.Duration, 0, 4096)}
	}
	for _, rd := range readers {
		wg.Add(1)
		go func() { defer wg.Done(); rd.loop(&delivered, stop) }()
	}
	// Wait until every client is subscribed.
	for env.h.Watchers(hub.StreamState) < n {
		time.Sleep(time.Millisecond)
	}
	// Warm up: first publications build pools and grow buffers.
	for i := 0; i < 30; i++ {
		env.h.Publish(hub.StreamState, state)
		time.Sleep(time.Second / time.Duration(hz))
	}
	for _, rd := range readers {
		_ = rd
	}
	waitDelivered(&delivered, int64(30*n))
	for _, rd := range readers {
		rd.lats = rd.lats[:0]
	}
	delivered.Store(0)
	tick := time.NewTicker(time.Second / time.Duration(hz))
	defer tick.Stop()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	cpu0 := cpuTime()
	start := time.Now()
	b.ResetTimer()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		<-tick.C
		env.h.Publish(hub.StreamState, state)
	}
	waitDelivered(&delivered, int64(b.N*n))
	elapsed := time.Since(start)
	cpu := cpuTime() - cpu0
	b.StopTimer()
	runtime.ReadMemStats(&ms1)
	var lats []time.Duration
	for _, rd := range readers {
		lats = append(lats, rd.lats...)
	}
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	got := delivered.Load()
	b.ReportMetric(float64(got)/elapsed.Seconds(), "msgs/s")
	if len(lats) > 0 {
		b.ReportMetric(float64(lats[len(lats)/2].Microseconds())/1e3, "p50-ms")
		b.ReportMetric(float64(lats[len(lats)*99/100].Microseconds())/1e3, "p99-ms")
	}
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(b.N)/float64(n), "allocs/pub/client")
	b.ReportMetric(float64(got)/float64(b.N*n), "delivered-ratio")
	// CPU of the whole process (server and clients) per delivered message:
	// what the machine must give for a target rate, whatever the load.
	if got > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(got), "cpu-us/msg")
		b.ReportMetric(cpu.Seconds()/elapsed.Seconds(), "cores-used")
	}
	m := env.h.Metrics()
	b.ReportMetric(float64(m.Dropped), "conflated")
	for _, rd := range readers {
		rd.nc.Close()
	}
	close(stop)
	wg.Wait()
}

func waitDelivered(d *atomic.Int64, want int64) {
	deadline := time.Now().Add(10 * time.Second)
	for d.Load() < want && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkIdleConnMemory opens 1000 idle connections (upgraded, greeted,
// subscribed to state, nothing published) and reports heap + stack bytes
// per connection. The clients are raw TCP sockets with no goroutine in
// this process; their small share (a netFD and its socket address) is
// subtracted as measured by the same loop against a plain TCP listener.
//
//	go test -run '^$' -bench IdleConnMemory -benchtime=1x ./edge/ws
func BenchmarkIdleConnMemory(b *testing.B) {
	const n = 1000
	for i := 0; i < b.N; i++ {
		server := idleMemory(b, n, true)
		client := idleMemory(b, n, false)
		b.ReportMetric(server, "bytes/conn-total")
		b.ReportMetric(client, "bytes/conn-client")
		b.ReportMetric(server-client, "bytes/conn-server")
	}
}

func idleMemory(b *testing.B, n int, withServer bool) float64 {
	var addr string
	var closeFn func()
	if withServer {
		env := benchEnv(b)
		addr = strings.TrimPrefix(strings.TrimSuffix(env.url, "/ws"), "ws://")
		closeFn = func() {}
	} else {
		// A plain listener answering the handshake with a canned 101 and
		// then holding the socket: the client-side cost alone (the server
		// side here is a bare net.Conn kept in a slice).
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		var held []net.Conn
		var mu sync.Mutex
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() {
					ws.Upgrade(c)
					mu.Lock()
					held = append(held, c)
					mu.Unlock()
				}()
			}
		}()
		addr = ln.Addr().String()
		closeFn = func() {
			ln.Close()
			mu.Lock()
			for _, c := range held {
				c.Close()
			}
			mu.Unlock()
		}
	}
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	conns := make([]net.Conn, 0, n)
	readers := make([]io.Reader, 0, n)
	for i := 0; i < n; i++ {
		sub := ""
		if withServer {
			sub = `{"type":"subscribe","data":{"streams":["state"]}}`
		}
		nc, r := dialRaw(b, addr, sub, 0)
		conns = append(conns, nc)
		readers = append(readers, r)
	}
	time.Sleep(500 * time.Millisecond) // let greetings, replies and goroutines settle
	runtime.GC()
	runtime.ReadMemStats(&m1)
	per := (float64(m1.HeapInuse+m1.StackInuse) - float64(m0.HeapInuse+m0.StackInuse)) / float64(n)
	if f := os.Getenv("CUECAST_HEAPPROFILE"); f != "" && withServer {
		// For finding what an idle connection holds: go tool pprof -sample_index=inuse_space.
		if w, err := os.Create(f); err == nil {
			pprof.WriteHeapProfile(w)
			w.Close()
		}
	}
	if withServer {
		b.ReportMetric((float64(m1.StackInuse)-float64(m0.StackInuse))/float64(n), "stack-bytes/conn")
	}
	for _, c := range conns {
		c.Close()
	}
	runtime.KeepAlive(readers)
	closeFn()
	return per
}

var _ = http.StatusOK
var _ = strconv.Itoa
var _ = context.Background
