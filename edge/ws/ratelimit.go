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

// ipLimiter limits new connections per remote IP.
type ipLimiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket // guarded by mu
}

func (l *ipLimiter) allow(ip string, now time.Time, perMinute int) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[string]*bucket{}
	}
	b := l.buckets[ip]
	if b == nil {
		b = &bucket{}
		l.buckets[ip] = b
	}
	return b.take(now, perMinute)
}

// sweep forgets IPs whose buckets have refilled, so the map holds only
// recently active addresses.
func (l *ipLimiter) sweep(now time.Time, perMinute int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for ip, b := range l.buckets {
		if b.full(now, perMinute) {
			delete(l.buckets, ip)
		}
	}
}
