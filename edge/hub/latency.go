package hub

import (
	"math"
	"math/bits"
	"time"
)

// LatencyStats summarises delivery latency: publication time to the moment
// the transport handed the bytes to the kernel. Jitter is the standard
// deviation. All durations in milliseconds; zero when Count is 0.
type LatencyStats struct {
	Count    uint64  `json:"count"`
	MinMS    float64 `json:"min_ms"`
	MaxMS    float64 `json:"max_ms"`
	AvgMS    float64 `json:"avg_ms"`
	JitterMS float64 `json:"jitter_ms"`
	P50MS    float64 `json:"p50_ms,omitempty"` // hub-wide and per-stream figures only
	P99MS    float64 `json:"p99_ms,omitempty"`
}

// moments accumulates count, min, max, mean and variance without storing
// samples. Zero value is empty.
type moments struct {
	n          uint64
	min, max   time.Duration
	sum, sumSq float64 // in microseconds, float to avoid overflow of squares
}

func (m *moments) add(d time.Duration) {
	if m.n == 0 || d < m.min {
		m.min = d
	}
	if d > m.max {
		m.max = d
	}
	m.n++
	us := float64(d) / 1e3
	m.sum += us
	m.sumSq += us * us
}

func (m *moments) merge(o *moments) {
	if o.n == 0 {
		return
	}
	if m.n == 0 || o.min < m.min {
		m.min = o.min
	}
	if o.max > m.max {
		m.max = o.max
	}
	m.n += o.n
	m.sum += o.sum
	m.sumSq += o.sumSq
}

func (m *moments) stats() LatencyStats {
	if m.n == 0 {
		return LatencyStats{}
	}
	n := float64(m.n)
	mean := m.sum / n
	v := m.sumSq/n - mean*mean
	if v < 0 { // rounding
		v = 0
	}
	return LatencyStats{
		Count: m.n, MinMS: ms(m.min), MaxMS: ms(m.max),
		AvgMS: mean / 1e3, JitterMS: math.Sqrt(v) / 1e3,
	}
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// histogram counts latencies in log-linear microsecond buckets: exact below
// 16 µs, then 8 buckets per power of two (at most 12.5% wide), up to 2^36 µs.
// Fixed size, no allocation per sample.
type histogram struct {
	b [histBuckets]uint32
}

const histBuckets = 16 + 32*8

func histIndex(d time.Duration) int {
	v := uint64(d / time.Microsecond)
	if d < 0 {
		v = 0
	}
	if v < 16 {
		return int(v)
	}
	e := bits.Len64(v) - 4 // v>>e is in [8, 15]
	if e > 32 {
		return histBuckets - 1
	}
	return 16 + (e-1)*8 + int(v>>e) - 8
}

// histValue is the midpoint of bucket i, in microseconds.
func histValue(i int) float64 {
	if i < 16 {
		return float64(i)
	}
	e := (i-16)/8 + 1
	m := uint64((i-16)%8 + 8)
	return float64(m<<e) + float64(uint64(1)<<e)/2
}

func (h *histogram) add(d time.Duration) { h.b[histIndex(d)]++ }

func (h *histogram) merge(o *histogram) {
	for i, c := range o.b {
		h.b[i] += c
	}
}

// quantile returns the q-quantile (0..1) in milliseconds, 0 when empty.
func (h *histogram) quantile(q float64, n uint64) float64 {
	if n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(n)))
	if rank == 0 {
		rank = 1
	}
	var seen uint64
	for i, c := range h.b {
		seen += uint64(c)
		if seen >= rank {
			return histValue(i) / 1e3
		}
	}
	return histValue(histBuckets-1) / 1e3
}

// window keeps latency over a sliding window of two halves: a snapshot
// covers between one and two halves of recent samples, so health reflects
// the last minute, not the process lifetime.
type window struct {
	half    time.Duration
	started time.Time // start of cur
	cur     winHalf
	prev    winHalf
}

type winHalf struct {
	m moments
	h histogram
}

const windowHalf = 30 * time.Second

func (w *window) rotate(now time.Time) {
	if w.half == 0 {
		w.half = windowHalf
	}
	if w.started.IsZero() {
		w.started = now
		return
	}
	switch el := now.Sub(w.started); {
	case el >= 2*w.half:
		w.prev, w.cur = winHalf{}, winHalf{}
		w.started = now
	case el >= w.half:
		w.prev = w.cur
		w.cur = winHalf{}
		w.started = w.started.Add(w.half)
	}
}

func (a *winHalf) merge(b *winHalf) {
	a.m.merge(&b.m)
	a.h.merge(&b.h)
}

func (w *window) add(now time.Time, d time.Duration) {
	w.rotate(now)
	w.cur.m.add(d)
	w.cur.h.add(d)
}

func (w *window) stats(now time.Time) LatencyStats {
	w.rotate(now)
	var m moments
	m.merge(&w.prev.m)
	m.merge(&w.cur.m)
	s := m.stats()
	if m.n > 0 {
		var h histogram
		h.merge(&w.prev.h)
		h.merge(&w.cur.h)
		s.P50MS = h.quantile(0.50, m.n)
		s.P99MS = h.quantile(0.99, m.n)
	}
	return s
}
