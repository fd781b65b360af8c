package hub

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub/filter"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/pipeline"
)

// Filters (docs/protocol.md, "Filters"). A client may hold one filter per
// stream: conditions decide whether a publication is queued for it at all,
// fields decide what its data carries. The hub interns filters by key, so
// the clients holding the same filter share, per publication, one verdict
// and one projected publication (with its own transport cache: a filtered
// state is framed once for all of them, like an unfiltered one).
//
// Conditions are tested when a publication is queued (a conflating slot
// keeps the latest publication that matches; a filtered-out event never
// takes queue room); the projection is built when the client takes it.
// Either way a publication is parsed at most once, whatever the number of
// filters and clients.

// maxCachedFilters bounds the interned filters whose per-publication
// results are cached (a small array per publication, allocated only when a
// filtered client touches it). Filters beyond it still work, uncached.
const maxCachedFilters = 64

// sharedFilter is an interned filter. refs and the hub's map are guarded
// by Hub.mu; f and id are immutable.
type sharedFilter struct {
	f    *filter.Filter
	id   int // cache slot, -1 when beyond maxCachedFilters
	refs int
}

// filterTable interns filters. Guarded by Hub.mu.
type filterTable struct {
	byKey map[string]*sharedFilter
	used  [maxCachedFilters]bool
}

func (t *filterTable) acquire(f *filter.Filter) *sharedFilter {
	if f == nil {
		return nil
	}
	if t.byKey == nil {
		t.byKey = map[string]*sharedFilter{}
	}
	sf := t.byKey[f.Key()]
	if sf == nil {
		sf = &sharedFilter{f: f, id: -1}
		for i, u := range t.used {
			if !u {
				sf.id, t.used[i] = i, true
				break
			}
		}
		t.byKey[f.Key()] = sf
	}
	sf.refs++
	return sf
}

func (t *filterTable) release(sf *sharedFilter) {
	if sf == nil {
		return
	}
	if sf.refs--; sf.refs == 0 {
		delete(t.byKey, sf.f.Key())
		if sf.id >= 0 {
			// A new filter may reuse the slot: publications cached under
			// the old one compare the filter pointer before trusting it.
			t.used[sf.id] = false
		}
	}
}

// WithSchema sets the schema the fields and conditions of filters on s are
// checked against (filter.SchemaOf the type published on s). The hub knows
// the schemas of every stream but game; a stream without a schema refuses
// filters.
func WithSchema(s Stream, schema *filter.Schema) Option {
	return func(h *Hub) {
		if i := streamIndex(s); i >= 0 {
			h.schemas[i] = schema
		}
	}
}

// AlertLevels are the alert levels from lowest to highest: filters compare
// alert levels by this order ("level":{"ge":"warning"}).
var AlertLevels = []string{model.AlertInfo, model.AlertWarning, model.AlertError, model.AlertCritical}

// frameMeta is the data of a frame publication.
type frameMeta struct {
	Bytes       int    `json:"bytes"`
	ContentType string `json:"content_type"`
}

// defaultSchemas are the schemas of the streams whose types the hub knows;
// the daemon adds game's (the game package is a consumer of the hub) with
// WithSchema.
func defaultSchemas() [numStreams]*filter.Schema {
	var s [numStreams]*filter.Schema
	s[idxAlert] = filter.SchemaOf(AlertState{}).Ordered("level", AlertLevels...)
	s[idxConfig] = filter.SchemaOf(config.Config{})
	s[idxEvent] = filter.SchemaOf(model.Event{})
	s[idxTrajectory] = filter.SchemaOf(model.Trajectory{})
	s[idxState] = filter.SchemaOf(model.State{})
	s[idxPerformance] = filter.SchemaOf(pipeline.Performance{})
	s[idxFrame] = filter.SchemaOf(frameMeta{})
	return s
}

// CompileFilter checks spec against stream s's schema. The error is a
// *filter.Error naming the path at fault.
func (h *Hub) CompileFilter(s Stream, spec filter.Spec) (*filter.Filter, error) {
	i := streamIndex(s)
	if i < 0 {
		return nil, fmt.Errorf("hub: filter on %q: %w", s, ErrUnknownStream)
	}
	f, err := filter.Compile(spec, h.schemas[i])
	if err != nil {
		var fe *filter.Error
		if errors.As(err, &fe) && h.schemas[i] == nil {
			fe.Msg = "the " + string(s) + " stream has no fields to filter on"
		}
		return nil, err
	}
	return f, nil
}

// Frame quality levels, best first: the frame stream and /stream.mjpg offer
// the camera image at these widths (the video package says at which JPEG
// quality). A level is encoded only while someone watches it.
const (
	LevelFull = iota
	Level960
	Level640
	NumLevels
)

// LevelNames are the levels' names in subscribe filters and ?quality=.
var LevelNames = [NumLevels]string{"full", "960", "640"}

// QualityAuto lets the transport pick the level from how well the client
// keeps up.
const QualityAuto = "auto"

// ParseQuality returns the level a quality name asks for; auto is true for
// "auto" (the level is then where auto starts: full).
func ParseQuality(q string) (level int, auto bool, err error) {
	if q == QualityAuto {
		return LevelFull, true, nil
	}
	for i, n := range LevelNames {
		if q == n {
			return i, false, nil
		}
	}
	return 0, false, fmt.Errorf("quality %q: want one of %s, %s", truncName(q), strings.Join(LevelNames[:], ", "), QualityAuto)
}

func truncName(s string) string {
	if len(s) > 32 {
		return s[:32] + "..."
	}
	return s
}

// FrameLevels returns how many clients watch each frame level now (the
// video encoder encodes the levels with watchers).
func (h *Hub) FrameLevels() [NumLevels]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.levelWatchers
}

// setLevelLocked moves c's frame level (counted while c is subscribed to
// frame). h.mu and c.mu held.
func (c *Client) setLevelLocked(level int) {
	h := c.hub
	if c.subs.has(idxFrame) {
		h.levelWatchers[c.level]--
		h.levelWatchers[level]++
	}
	c.level = level
}

// SetFrameLevel sets the level c's frames come at, for a transport running
// the auto quality. It is ignored unless c asked for auto.
func (c *Client) SetFrameLevel(level int) {
	if level < 0 || level >= NumLevels {
		return
	}
	h := c.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.autoLevel {
		c.setLevelLocked(level)
	}
}

// Dropped returns how many publications of conflating stream s were
// superseded before c took them (a sign that c's transport falls behind).
func (c *Client) Dropped(s Stream) uint64 {
	i := streamIndex(s)
	if i < 0 {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dropped[i]
}

// FrameLevel returns c's current frame level and whether it is automatic.
func (c *Client) FrameLevel() (level int, auto bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.level, c.autoLevel
}

// Per-publication cache of filter results.

// viewEntry is one filter's result for one publication.
type viewEntry struct {
	f     *filter.Filter
	match bool
	view  atomic.Pointer[Publication] // projected publication, built on first use
}

type viewCache [maxCachedFilters]atomic.Pointer[viewEntry]

// parsed returns p's data as a filter.Doc, parsed once; nil if it does not
// parse (never for the hub's own publications, whose data is valid JSON).
func (p *Publication) parsed() *filter.Doc {
	if d := p.doc.Load(); d != nil {
		return d
	}
	d, err := filter.Parse(p.Data)
	if err != nil {
		d = nil
	}
	if d != nil && !p.doc.CompareAndSwap(nil, d) {
		return p.doc.Load()
	}
	return d
}

// entry returns sf's result for p, computing it on first use.
func (p *Publication) entry(sf *sharedFilter) *viewEntry {
	var cache *viewCache
	if sf.id >= 0 {
		cache = p.views.Load()
		if cache == nil {
			p.views.CompareAndSwap(nil, new(viewCache))
			cache = p.views.Load()
		}
		if e := cache[sf.id].Load(); e != nil && e.f == sf.f {
			return e
		}
	}
	e := &viewEntry{f: sf.f, match: true}
	if sf.f.Conditional() {
		d := p.parsed()
		e.match = d != nil && sf.f.Match(d)
	}
	if cache != nil {
		for {
			old := cache[sf.id].Load()
			if old != nil && old.f == sf.f {
				return old // another client computed it first
			}
			if cache[sf.id].CompareAndSwap(old, e) {
				return e
			}
		}
	}
	return e
}

// passes reports whether p is for a client holding sf (nil: no filter).
func (p *Publication) passes(sf *sharedFilter) bool {
	return sf == nil || !sf.f.Conditional() || p.entry(sf).match
}

// viewFor returns what a client holding sf and frame level receives for p:
// p itself, or a publication with the same stream, epoch, offset and time
// carrying the projected data (or the frame at that level). Views are
// shared by every client holding the same filter.
func (p *Publication) viewFor(sf *sharedFilter, level int) *Publication {
	if p.Binary != nil {
		return p.atLevel(level)
	}
	if sf == nil || !sf.f.Projects() {
		return p
	}
	e := p.entry(sf)
	if v := e.view.Load(); v != nil {
		return v
	}
	d := p.parsed()
	if d == nil {
		return p
	}
	data := sf.f.Project(d, make([]byte, 0, len(p.Data)/2))
	v := newPublication(p.Stream, p.Epoch, p.Offset, p.Time, p.Group, data, nil)
	v.alertID = p.alertID
	if !e.view.CompareAndSwap(nil, v) {
		return e.view.Load()
	}
	return v
}

// atLevel returns frame publication p at level: the variant the encoder
// made for that level, else the nearest better one it made.
func (p *Publication) atLevel(level int) *Publication {
	if level <= 0 || p.levels == nil {
		return p
	}
	for l := level; l > 0; l-- {
		if b := p.levels.jpeg[l]; b != nil {
			if v := p.levels.views[l].Load(); v != nil {
				return v
			}
			v := newPublication(p.Stream, p.Epoch, p.Offset, p.Time, p.Group, frameData(b, l), b)
			if !p.levels.views[l].CompareAndSwap(nil, v) {
				return p.levels.views[l].Load()
			}
			return v
		}
	}
	return p
}

// frameLevels are a frame publication's other levels.
type frameLevels struct {
	jpeg  [NumLevels][]byte
	views [NumLevels]atomic.Pointer[Publication]
}

func frameData(b []byte, level int) []byte {
	meta := make([]byte, 0, 64)
	meta = append(meta, `{"bytes":`...)
	meta = strconv.AppendInt(meta, int64(len(b)), 10)
	meta = append(meta, `,"content_type":"image/jpeg"`...)
	if level > 0 {
		meta = append(meta, `,"quality":"`...)
		meta = append(meta, LevelNames[level]...)
		meta = append(meta, '"')
	}
	return append(meta, '}')
}

// PublishFrame publishes one camera frame encoded at one or more levels
// (jpegs[level], nil where nobody watches that level). A client gets the
// level it asked for, else the nearest better one encoded, else the best
// one there is. The hub keeps the slices: the caller must not modify them.
func (h *Hub) PublishFrame(jpegs [NumLevels][]byte) (*Publication, error) {
	best := -1
	var lv *frameLevels
	for l := range jpegs {
		switch {
		case jpegs[l] == nil:
		case best < 0:
			best = l
		default:
			if lv == nil {
				lv = &frameLevels{}
			}
			lv.jpeg[l] = jpegs[l]
		}
	}
	if best < 0 {
		return nil, errors.New("hub: PublishFrame: no level encoded")
	}
	return h.publishLevels(StreamFrame, "", frameData(jpegs[best], best), jpegs[best], "", lv), nil
}
