package vision

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/cuecast/cuecast/edge/model"
)

// Venue is what a box was taught about its own balls: per ball number, the
// colour its camera sees under its lamps, measured with the namer's own
// swatch features (white-balanced opponent chroma and value, see
// features) on a frame where a person said which ball is where (the
// labelling page). With a venue set (Detector.SetVenue) the namer costs a
// ball's colour against each number's taught colours as well as the
// built-in US prototypes (the cheaper counts); a number the venue was not
// taught keeps the built-in colours. The pattern (cue, solid, stripe) is
// read as without a venue.
//
// The cloth is not part of it: the detector learns the cloth's colour
// from every frame (felt.go), which follows a lamp being changed; the
// teaching frame's cloth is kept only to say what it was taught on.
type Venue struct {
	// Version is the format, VenueVersion.
	Version int `json:"version"`
	// Taught is when it was taught; Source what from (a label file's
	// frame, a capture's name). Both informative.
	Taught time.Time `json:"taught"`
	Source string    `json:"source,omitempty"`
	// Cloth is the teaching frame's cloth, B, G, R (0-255), informative.
	Cloth *[3]float64 `json:"cloth,omitempty"`
	// Balls: one entry per taught number, ascending, each at most once.
	Balls []VenueBall `json:"balls"`
}

// VenueBall is one ball number's taught colours.
type VenueBall struct {
	Number  int           `json:"number"` // 1-15 (the cue ball is told by its pattern)
	Colours []VenueColour `json:"colours"`
}

// VenueColour is one colour as the white-balanced camera sees it: the
// namer's colour prototype (colourProto), with its spreads.
type VenueColour struct {
	OA  float64 `json:"oa"`  // (R - (G+B)/2) / V, white-balanced
	OB  float64 `json:"ob"`  // 0.866 (G - B) / V
	Val float64 `json:"val"` // V relative to the frame's white
	SC  float64 `json:"sc"`  // spread of the chroma
	SV  float64 `json:"sv"`  // spread of ln(V)
}

// VenueVersion is the format Teach writes and Validate accepts.
const VenueVersion = 1

// maxVenueColours bounds a number's colours (a venue with two sets mixed,
// a ball taught under two lamps).
const maxVenueColours = 4

// Validate checks every value; a venue that fails is refused whole.
func (v *Venue) Validate() error {
	if v == nil {
		return errors.New("vision: venue: empty")
	}
	if v.Version != VenueVersion {
		return fmt.Errorf("vision: venue: version %d, want %d", v.Version, VenueVersion)
	}
	if v.Cloth != nil {
		for _, c := range v.Cloth {
			if math.IsNaN(c) || c < 0 || c > 255 {
				return fmt.Errorf("vision: venue: cloth channel %v outside 0..255", c)
			}
		}
	}
	if len(v.Balls) == 0 {
		return errors.New("vision: venue: no ball taught")
	}
	prev := 0
	for _, b := range v.Balls {
		if b.Number < 1 || b.Number > 15 {
			return fmt.Errorf("vision: venue: ball number %d outside 1..15", b.Number)
		}
		if b.Number <= prev {
			return fmt.Errorf("vision: venue: ball %d repeated or out of order (numbers ascending, each once)", b.Number)
		}
		prev = b.Number
		if len(b.Colours) == 0 || len(b.Colours) > maxVenueColours {
			return fmt.Errorf("vision: venue: ball %d: %d colours, want 1..%d", b.Number, len(b.Colours), maxVenueColours)
		}
		for _, c := range b.Colours {
			if err := c.validate(); err != nil {
				return fmt.Errorf("vision: venue: ball %d: %w", b.Number, err)
			}
		}
	}
	return nil
}

func (c *VenueColour) validate() error {
	in := func(x, lo, hi float64) bool { return !math.IsNaN(x) && x >= lo && x <= hi }
	switch {
	case !in(c.OA, -2, 2) || !in(c.OB, -2, 2):
		return fmt.Errorf("chroma (%v, %v) outside -2..2", c.OA, c.OB)
	case !in(c.Val, 0.02, 3):
		return fmt.Errorf("value %v outside 0.02..3", c.Val)
	case !in(c.SC, 0.02, 1):
		return fmt.Errorf("chroma spread %v outside 0.02..1", c.SC)
	case !in(c.SV, 0.05, 2):
		return fmt.Errorf("value spread %v outside 0.05..2", c.SV)
	}
	return nil
}

// ParseVenue decodes and validates a venue document (unknown fields and
// trailing data refused).
func ParseVenue(data []byte) (*Venue, error) {
	var v Venue
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("vision: venue: bad JSON: %v", err)
	}
	if dec.More() {
		return nil, errors.New("vision: venue: data after the venue document")
	}
	if err := v.Validate(); err != nil {
		return nil, err
	}
	return &v, nil
}

// clone is a deep copy.
func (v *Venue) clone() *Venue {
	c := *v
	if v.Cloth != nil {
		k := *v.Cloth
		c.Cloth = &k
	}
	c.Balls = make([]VenueBall, len(v.Balls))
	for i, b := range v.Balls {
		c.Balls[i] = VenueBall{Number: b.Number, Colours: append([]VenueColour(nil), b.Colours...)}
	}
	return &c
}

// ballSet is the namer's view of a valid venue: a taught number may show
// its taught colours or its built-in ones (the cheapest counts). Taught
// colours alone (replacing the built-in ones) named worse on the real set
// (docs/vision-real.md "Teaching a venue"): one frame's measure of a ball
// misses how it looks elsewhere on the table.
func (v *Venue) ballSet() *ballSet {
	bs := &ballSet{colours: defaultBalls.colours}
	for _, b := range v.Balls {
		for _, c := range b.Colours {
			bs.taught[b.Number] = append(bs.taught[b.Number], colourProto(c))
		}
		ci := b.Number
		if ci >= 9 {
			ci -= 8
		}
		bs.taught[b.Number] = append(bs.taught[b.Number], defaultBalls.colours[ci]...)
	}
	return bs
}

// venueState is what the detector names by: the venue as set and the
// ball set built from it, swapped together.
type venueState struct {
	v  *Venue
	bs *ballSet
}

// SetVenue makes the detector name balls by v from the next frame on; nil
// returns to the built-in colours. An invalid venue is refused and changes
// nothing. Safe to call while another goroutine runs Detect (the venue is
// swapped atomically; a frame names by one venue or the other).
func (d *Detector) SetVenue(v *Venue) error {
	if v == nil {
		d.venue.Store(nil)
		return nil
	}
	if err := v.Validate(); err != nil {
		return err
	}
	c := v.clone()
	d.venue.Store(&venueState{v: c, bs: c.ballSet()})
	return nil
}

// Venue is a copy of the venue set, nil when none.
func (d *Detector) Venue() *Venue {
	if s := d.venue.Load(); s != nil {
		return s.v.clone()
	}
	return nil
}

// balls is the ball set the namer uses: nil (the built-in) without a venue.
func (d *Detector) balls() *ballSet {
	if s := d.venue.Load(); s != nil {
		return s.bs
	}
	return nil
}

// TeachBall is a ball a person placed on a teaching frame: its circle
// (detector pixel convention: model.Pixel) and number.
type TeachBall struct {
	Pixel  model.Pixel
	Radius float64
	Number int // 0-15; the cue ball (0) teaches no colour
}

// Teach measures a venue from one frame with its balls said by a person:
// it finds the table as Detect does (the cloth around each ball and the
// frame's white come from it), samples each ball on its given circle with
// the namer's swatch, and keeps each numbered ball's body colour as that
// number's colour. A ball whose swatch shows too little body colour (a
// stripe with its cap to the camera, a ball half off the frame) teaches
// nothing. Teach uses d's buffers: call it on the goroutine that calls
// Detect (or on a detector of its own); it does not change d's venue.
func (d *Detector) Teach(f *model.Frame, balls []TeachBall) (*Venue, error) {
	var det model.Detection
	if err := d.Detect(f, &det); err != nil {
		return nil, err
	}
	tf := d.table
	if tf == nil {
		return nil, errors.New("vision: venue: no table found in the teaching frame")
	}
	bd := make([]model.BallDetection, len(balls))
	for i, b := range balls {
		if b.Number < 0 || b.Number > 15 {
			return nil, fmt.Errorf("vision: venue: ball number %d outside 0..15", b.Number)
		}
		if !(b.Radius > 0) || math.IsInf(b.Radius, 0) {
			return nil, fmt.Errorf("vision: venue: ball %d: radius %v", b.Number, b.Radius)
		}
		bd[i] = model.BallDetection{Pixel: b.Pixel, RadiusPx: b.Radius}
	}
	placeGiven(tf, bd)
	d.prepareNames(tf, bd)
	im := img{pix: f.Pix, w: f.Width, h: f.Height}
	d.id.measureAll(&im, bd, d.cloth, d.trust, &defaultBalls)
	v := &Venue{Version: VenueVersion, Taught: time.Now().UTC()}
	var cloth [3]float64
	var seen [identityCols]bool
	for i, b := range balls {
		for c := range cloth {
			cloth[c] += d.cloth[i][c] / float64(len(balls))
		}
		ft := &d.id.ft[i]
		if b.Number == 0 || seen[b.Number] || ft.n == 0 {
			continue
		}
		// As identityCost weighs it: a colour read from fewer body
		// samples than this is mostly noise.
		if (ft.colour+ft.black)*float64(ft.n) < minTeachBody {
			continue
		}
		seen[b.Number] = true
		v.Balls = append(v.Balls, VenueBall{Number: b.Number, Colours: []VenueColour{taughtColour(b.Number, ft)}})
	}
	if len(balls) > 0 {
		v.Cloth = &cloth
	}
	if len(v.Balls) == 0 {
		return nil, errors.New("vision: venue: no numbered ball showed enough of its colour to teach")
	}
	slices.SortFunc(v.Balls, func(a, b VenueBall) int { return a.Number - b.Number })
	if err := v.Validate(); err != nil {
		return nil, err
	}
	return v, nil
}

// minTeachBody is the least number of body-colour samples (of 320) a
// ball teaches its colour from.
const minTeachBody = 40

// taughtColour is the prototype one measured ball gives: its body colour,
// with the spreads of the built-in colour of its number nearest to it (a
// ball seen once says nothing of how it varies over the table; the
// built-in spreads were measured over lamps and positions), at least
// teachSC and teachSV.
func taughtColour(k int, ft *features) VenueColour {
	ps := defaultBalls.protos(k)
	best, bc := 0, math.Inf(1)
	for i := range ps {
		if c := ps[i].cost(ft.oa, ft.ob, ft.bodyVal); c < bc {
			best, bc = i, c
		}
	}
	val := math.Min(3, math.Max(0.02, ft.bodyVal))
	clamp := func(x float64) float64 { return math.Min(2, math.Max(-2, x)) }
	return VenueColour{OA: clamp(ft.oa), OB: clamp(ft.ob), Val: val,
		SC: math.Max(teachSC, ps[best].SC), SV: math.Max(teachSV, ps[best].SV)}
}

// Least spreads of a taught colour.
const (
	teachSC = 0.08
	teachSV = 0.2
)

// PoolVenues merges venues taught from several frames of one venue (the
// balls laid out again, another part of the table, the other lamp) into
// one: per number, the colours measured on the frames are pooled into one
// whose spread covers how far they strayed from each other (at least the
// spread each was taught with), and a measure further than poolApart
// spreads from the others (another lamp, a ball of another set) is kept
// as a colour of its own, up to maxVenueColours per number. One frame's
// look of a ball misses how it looks elsewhere on the table; two or three
// frames show it. The result's Taught is the latest, Source the sources
// joined; the inputs are not changed. Every input must be valid.
func PoolVenues(vs []*Venue) (*Venue, error) {
	if len(vs) == 0 {
		return nil, errors.New("vision: venue: nothing to pool")
	}
	var per [identityCols][]VenueColour
	out := &Venue{Version: VenueVersion}
	var cloth [3]float64
	nCloth := 0
	for _, v := range vs {
		if err := v.Validate(); err != nil {
			return nil, err
		}
		if v.Taught.After(out.Taught) {
			out.Taught = v.Taught
		}
		if v.Source != "" {
			if out.Source != "" {
				out.Source += " + "
			}
			out.Source += v.Source
		}
		if v.Cloth != nil {
			for c := range cloth {
				cloth[c] += v.Cloth[c]
			}
			nCloth++
		}
		for _, b := range v.Balls {
			per[b.Number] = append(per[b.Number], b.Colours...)
		}
	}
	if nCloth > 0 {
		for c := range cloth {
			cloth[c] /= float64(nCloth)
		}
		out.Cloth = &cloth
	}
	for k := 1; k < identityCols; k++ {
		if len(per[k]) == 0 {
			continue
		}
		out.Balls = append(out.Balls, VenueBall{Number: k, Colours: poolColours(per[k])})
	}
	if err := out.Validate(); err != nil {
		return nil, err
	}
	return out, nil
}

// poolApart: a measure further than this many spreads (chroma and value
// together, colourProto.cost's units, square-rooted) from a group's pooled
// colour starts a group of its own.
const poolApart = 3

// poolColours groups one number's measures (greedy, in order: each joins
// the nearest group within poolApart spreads) and pools each group: the
// mean chroma and log-value, with spreads that cover the members'
// scatter about it and at least the largest spread a member was taught
// with. At most maxVenueColours groups are kept (the most measured).
func poolColours(cs []VenueColour) []VenueColour {
	type group struct {
		m  []VenueColour
		at VenueColour // pooled
	}
	var gs []group
	for _, c := range cs {
		best, bd := -1, math.Inf(1)
		for i := range gs {
			p := colourProto(gs[i].at)
			if d := math.Sqrt(p.cost(c.OA, c.OB, c.Val)); d < bd {
				best, bd = i, d
			}
		}
		if best < 0 || bd > poolApart {
			gs = append(gs, group{m: []VenueColour{c}, at: c})
			continue
		}
		gs[best].m = append(gs[best].m, c)
		gs[best].at = pool(gs[best].m)
	}
	slices.SortStableFunc(gs, func(a, b group) int { return len(b.m) - len(a.m) })
	out := make([]VenueColour, 0, min(len(gs), maxVenueColours))
	for i := 0; i < len(gs) && i < maxVenueColours; i++ {
		out = append(out, gs[i].at)
	}
	return out
}

// pool is the mean of ms with spreads that take in their scatter: the
// root of the larger taught spread squared plus the members' mean squared
// deviation (a lamp's shift of a colour adds to how it varies anyway),
// bounded as Validate wants.
func pool(ms []VenueColour) VenueColour {
	var p VenueColour
	n := float64(len(ms))
	for _, m := range ms {
		p.OA += m.OA / n
		p.OB += m.OB / n
		p.Val += math.Log(m.Val) / n
		p.SC = math.Max(p.SC, m.SC)
		p.SV = math.Max(p.SV, m.SV)
	}
	var dc, dv float64
	for _, m := range ms {
		dc += ((m.OA-p.OA)*(m.OA-p.OA) + (m.OB-p.OB)*(m.OB-p.OB)) / n
		dv += (math.Log(m.Val) - p.Val) * (math.Log(m.Val) - p.Val) / n
	}
	p.Val = math.Exp(p.Val)
	p.SC = math.Min(1, math.Sqrt(p.SC*p.SC+dc))
	p.SV = math.Min(2, math.Sqrt(p.SV*p.SV+dv))
	return p
}
