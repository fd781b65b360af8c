package hub

import (
	"encoding/json"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/cuecast/cuecast/edge/hub/filter"
)

// Position is where a client stands in one stream: the process epoch and the
// offset of the last publication it received. A client resumes by sending
// back the positions it last saw.
type Position struct {
	Epoch  string `json:"epoch"`
	Offset uint64 `json:"offset"`
}

// Publication is one value published on a stream. It is immutable once
// Publish returns and shared by every subscriber, the history and every
// transport: never modify its fields or the bytes of Data, Binary or JSON().
type Publication struct {
	Stream Stream
	Epoch  string
	Offset uint64    // per stream, +1 per publication, first is 1
	Time   time.Time // when it was published (carries the monotonic clock: latency uses it)
	Group  string    // "" for everyone, else only clients of that group receive it
	Data   json.RawMessage
	// Binary is the payload of a binary publication (frame: one JPEG); Data
	// then describes it ({"bytes":N,"content_type":"image/jpeg"}).
	Binary []byte

	alertID string // alert publications: the alert's id (ack bookkeeping)
	wire    []byte // JSON envelope, built once in newPublication

	// Filters (filters.go): data parsed once, per-filter verdicts and
	// projections, and a frame's other quality levels.
	doc    atomic.Pointer[filter.Doc]
	views  atomic.Pointer[viewCache]
	levels *frameLevels

	// cache holds transport encodings built on first use and shared by every
	// client of that transport (see Cached).
	cache [numCacheSlots]atomic.Pointer[[]byte]
}

// CacheSlot names one transport encoding of a publication.
type CacheSlot int

// Cache slots. A transport owns its slots and always builds the same bytes
// for the same slot.
const (
	CacheWSText     CacheSlot = iota // WebSocket text frame (header + envelope)
	CacheWSDeflate                   // WebSocket text frame, permessage-deflate compressed
	CacheWSBinary                    // WebSocket binary frame (header + binary header + payload)
	CacheTransport1                  // free for another transport (MQTT)
	numCacheSlots
)

// Cached returns the bytes stored in slot, calling build to make them the
// first time. Concurrent first calls may both build; one result wins and is
// returned to every later caller, so build must be deterministic. The
// returned slice is shared: read it, never modify it.
func (p *Publication) Cached(slot CacheSlot, build func(*Publication) []byte) []byte {
	if b := p.cache[slot].Load(); b != nil {
		return *b
	}
	b := build(p)
	if p.cache[slot].CompareAndSwap(nil, &b) {
		return b
	}
	return *p.cache[slot].Load()
}

// JSON returns the publication's wire envelope, encoded once when it was
// published and shared by every subscriber:
//
//	{"type":"publication","stream":"state","epoch":"9f1c2a7e4b3d5a60","offset":42,
//	 "time":"2026-11-25T18:30:00.123456789Z","data":{...}}
//
// with "group":"..." after "time" for group-targeted publications. For a
// binary publication data describes the payload, which travels separately.
func (p *Publication) JSON() []byte { return p.wire }

// Position returns the position a client holds after receiving p.
func (p *Publication) Position() Position { return Position{p.Epoch, p.Offset} }

// AlertID returns the id of an alert publication, "" for other streams.
func (p *Publication) AlertID() string { return p.alertID }

// Size is the number of payload bytes the publication carries (envelope or
// binary payload), for byte counters.
func (p *Publication) Size() int { return len(p.wire) + len(p.Binary) }

func newPublication(s Stream, epoch string, offset uint64, now time.Time, group string, data json.RawMessage, bin []byte) *Publication {
	p := &Publication{Stream: s, Epoch: epoch, Offset: offset, Time: now, Group: group, Data: data, Binary: bin}
	b := make([]byte, 0, len(data)+len(s)+len(epoch)+len(group)+96)
	b = append(b, `{"type":"publication","stream":"`...)
	b = append(b, s...)
	b = append(b, `","epoch":"`...)
	b = append(b, epoch...)
	b = append(b, `","offset":`...)
	b = strconv.AppendUint(b, offset, 10)
	b = append(b, `,"time":"`...)
	b = now.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	if group != "" {
		// Group names are validated to [a-z0-9_-], so they need no escaping.
		b = append(b, `,"group":"`...)
		b = append(b, group...)
		b = append(b, '"')
	}
	b = append(b, `,"data":`...)
	b = append(b, data...)
	b = append(b, '}')
	p.wire = b
	return p
}
