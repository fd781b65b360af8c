package ws

import (
	"sync"
	"time"
)

// bucket is a token bucket holding at most perMinute tokens, refilled at
// perMinute per minute: bursts up to the limit, the limit on average. Not
// safe for concurrent use.
type bucket struct {
	tokens float64
	last   time.Time
}

// take spends one token at now. When none is left it reports false and how
// long until one is.
func (b *bucket) take(now time.Time, perMinute int) (bool, time.Duration) {
	rate := float64(perMinute) / float64(time.Minute) // tokens per ns
	if b.last.IsZero() {
		b.tokens = float64(perMinute)
	} else {
		b.tokens += float64(now.Sub(b.last)) * rate
		if b.tokens > float64(perMinute) {
			b.tokens = float64(perMinute)
		}
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / rate)
}

// full reports whether the bucket would be full at now (nothing to remember).
func (b *bucket) full(now time.Time, perMinute int) bool {
	return b.tokens+float64(now.Sub(b.last))*float64(perMinute)/float64(time.Minute) >= float64(perMinute)
}

// maxTrackedIPs caps the addresses the connection limiter remembers. The
// sweep forgets refilled buckets once a minute, but between sweeps a flood
// from distinct source addresses (an IPv6 /64 rotating through its 2^64
// addresses) would grow the map without bound; at about 200 bytes an
// address this caps it near 1 MiB, far above what a venue's displays use.
const maxTrackedIPs = 4096

// ipEntry is one remembered address: its bucket and its place in the
// limiter's recency list.
type ipEntry struct {
	bucket
	ip         string
	prev, next *ipEntry // toward the most / least recently seen
}

// ipLimiter limits new connections per remote IP. It remembers at most max
// addresses (maxTrackedIPs when 0). When full, a new address evicts the
// least recently seen one instead of being refused: refusing would let
// whoever floods the box with addresses lock every new display out, while
// evicting only forgets the stalest address's spent tokens (it starts afresh
// if it comes back). A client that rotates addresses escapes a per-address
// limit anyway; websocket.max_connections still caps the connections.
type ipLimiter struct {
	max int

	mu      sync.Mutex
	buckets map[string]*ipEntry // guarded by mu
	newest  *ipEntry            // guarded by mu; recency list head
	oldest  *ipEntry            // guarded by mu; recency list tail
	evicted uint64              // guarded by mu; addresses forgotten because the limiter was full
}

func (l *ipLimiter) allow(ip string, now time.Time, perMinute int) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[string]*ipEntry{}
	}
	e := l.buckets[ip]
	if e == nil {
		if len(l.buckets) >= l.capacity() {
			l.evicted++
			l.drop(l.oldest)
		}
		e = &ipEntry{ip: ip}
		l.buckets[ip] = e
	} else {
		l.unlink(e)
	}
	l.pushNewest(e)
	return e.take(now, perMinute)
}

func (l *ipLimiter) capacity() int {
	if l.max > 0 {
		return l.max
	}
	return maxTrackedIPs
}

// sweep forgets IPs whose buckets have refilled, so the map holds only
// recently active addresses.
func (l *ipLimiter) sweep(now time.Time, perMinute int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.buckets {
		if e.full(now, perMinute) {
			l.drop(e)
		}
	}
}

// counts returns how many addresses are remembered and how many were
// evicted because the limiter was full.
func (l *ipLimiter) counts() (tracked int, evicted uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets), l.evicted
}

// drop forgets e. l.mu held.
func (l *ipLimiter) drop(e *ipEntry) {
	l.unlink(e)
	delete(l.buckets, e.ip)
}

// unlink takes e out of the recency list. l.mu held.
func (l *ipLimiter) unlink(e *ipEntry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		l.newest = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		l.oldest = e.prev
	}
	e.prev, e.next = nil, nil
}

// pushNewest puts e at the head of the recency list. l.mu held.
func (l *ipLimiter) pushNewest(e *ipEntry) {
	e.next = l.newest
	if l.newest != nil {
		l.newest.prev = e
	}
	l.newest = e
	if l.oldest == nil {
		l.oldest = e
	}
}
