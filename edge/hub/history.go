package hub

import "time"

// history keeps a stream's recent publications, bounded by count and age.
// Offsets in it are contiguous (every publication of the stream, whatever its
// group), so "is offset N still here" is one comparison. Guarded by Hub.mu.
type history struct {
	max    int
	maxAge time.Duration
	pubs   []*Publication // pubs[head:] are live, oldest first
	head   int
}

func (h *history) add(p *Publication) {
	h.pubs = append(h.pubs, p)
	if len(h.pubs)-h.head > h.max {
		h.pubs[h.head] = nil
		h.head++
	}
	h.compact()
}

// prune drops publications older than maxAge at now.
func (h *history) prune(now time.Time) {
	for h.head < len(h.pubs) && now.Sub(h.pubs[h.head].Time) > h.maxAge {
		h.pubs[h.head] = nil
		h.head++
	}
	h.compact()
}

// compact moves the live tail to the front once the dead head is as long as
// it, so the backing array stays within twice max and appends stay amortised
// allocation-free.
func (h *history) compact() {
	if h.head > 0 && h.head >= len(h.pubs)-h.head {
		n := copy(h.pubs, h.pubs[h.head:])
		clear(h.pubs[n:])
		h.pubs = h.pubs[:n]
		h.head = 0
	}
}

func (h *history) live() []*Publication { return h.pubs[h.head:] }

// after returns the publications with offset > off, and whether the history
// reaches back far enough for that to be everything since off (the
// publication at off+1 is still held, or nothing was published after off).
// last is the stream's current offset.
func (h *history) after(off, last uint64) ([]*Publication, bool) {
	if off >= last {
		return nil, off == last
	}
	live := h.live()
	if len(live) == 0 || live[0].Offset > off+1 {
		return nil, false
	}
	// Offsets are contiguous: index directly.
	return live[off+1-live[0].Offset:], true
}
