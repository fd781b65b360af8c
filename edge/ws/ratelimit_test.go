package ws

import (
	"fmt"
	"testing"
	"time"
)

// checkList verifies that the recency list and the map hold the same
// entries, in a consistent doubly linked order.
func checkList(t *testing.T, l *ipLimiter) {
	t.Helper()
	n := 0
	var prev *ipEntry
	for e := l.newest; e != nil; e = e.next {
		if e.prev != prev {
			t.Fatalf("entry %s: prev link broken", e.ip)
		}
		if l.buckets[e.ip] != e {
			t.Fatalf("entry %s in the list but not the map", e.ip)
		}
		prev = e
		n++
		if n > len(l.buckets) {
			t.Fatal("list longer than the map (cycle?)")
		}
	}
	if l.oldest != prev || n != len(l.buckets) {
		t.Fatalf("list holds %d entries, map %d (tail ok: %v)", n, len(l.buckets), l.oldest == prev)
	}
}

// TestIPLimiterCap: a flood of distinct addresses between two sweeps keeps
// the limiter at its cap, and every address beyond it evicts (and counts)
// the stalest one; a new address is never refused for want of room.
func TestIPLimiterCap(t *testing.T) {
	l := ipLimiter{max: 64}
	now := time.Unix(1e9, 0)
	for i := 0; i < 3*64; i++ {
		ip := fmt.Sprintf("2001:db8:0:1:%x::1", i) // an IPv6 /64 rotating its interface id
		if ok, _ := l.allow(ip, now, 10); !ok {
			t.Fatalf("new address %s refused while the limiter was full", ip)
		}
		if len(l.buckets) > 64 {
			t.Fatalf("limiter tracks %d addresses, cap 64", len(l.buckets))
		}
	}
	checkList(t, &l)
	if tracked, evicted := l.counts(); tracked != 64 || evicted != 2*64 {
		t.Errorf("counts() = %d tracked, %d evicted; want 64, 128", tracked, evicted)
	}
	// The survivors are the 64 most recent addresses.
	for i := 2 * 64; i < 3*64; i++ {
		if l.buckets[fmt.Sprintf("2001:db8:0:1:%x::1", i)] == nil {
			t.Errorf("recent address %d was evicted", i)
		}
	}
	// The default cap applies when max is unset.
	if (&ipLimiter{}).capacity() != maxTrackedIPs {
		t.Error("zero max does not mean maxTrackedIPs")
	}
}

// TestIPLimiterKeepsActiveAddress: an address that keeps knocking stays
// the most recent, so a flood of fewer new addresses than the cap cannot
// evict it to reset its limit; once it falls silent for a full cap's worth
// of new addresses, it is the stalest and goes (it then starts afresh).
func TestIPLimiterKeepsActiveAddress(t *testing.T) {
	const perMinute = 2
	l := ipLimiter{max: 8}
	now := time.Unix(1e9, 0)
	for i := 0; i < perMinute; i++ {
		l.allow("127.0.0.2", now, perMinute)
	}
	for round := 0; round < 5; round++ {
		for i := 0; i < 6; i++ {
			l.allow(fmt.Sprintf("127.1.%d.%d", round, i), now, perMinute)
		}
		if ok, _ := l.allow("127.0.0.2", now, perMinute); ok {
			t.Fatalf("round %d: the limited address was let through (its bucket was evicted)", round)
		}
	}
	checkList(t, &l)
	for i := 0; i < 8; i++ {
		l.allow(fmt.Sprintf("127.2.0.%d", i), now, perMinute)
	}
	if l.buckets["127.0.0.2"] != nil {
		t.Fatal("the stalest address survived a full cap of newer ones")
	}
	if ok, _ := l.allow("127.0.0.2", now, perMinute); !ok {
		t.Error("an evicted address is refused: it should start with a fresh bucket")
	}
	checkList(t, &l)
}

// TestIPLimiterSweep: the sweep forgets refilled buckets and keeps the
// recency list in step with the map.
func TestIPLimiterSweep(t *testing.T) {
	l := ipLimiter{max: 16}
	t0 := time.Unix(1e9, 0)
	for i := 0; i < 10; i++ {
		l.allow(fmt.Sprintf("127.0.0.%d", i+1), t0, 60)
	}
	for i := 0; i < 30; i++ {
		l.allow("127.0.0.100", t0.Add(59*time.Second), 60) // half its tokens spent
	}
	l.sweep(t0.Add(61*time.Second), 60) // the first ten refilled, the last not yet
	checkList(t, &l)
	if len(l.buckets) != 1 || l.buckets["127.0.0.100"] == nil {
		t.Errorf("after sweep the limiter holds %d addresses, want only the recent one", len(l.buckets))
	}
	if _, evicted := l.counts(); evicted != 0 {
		t.Errorf("sweep counted %d evictions, want 0 (refilled buckets are not evictions)", evicted)
	}
}
