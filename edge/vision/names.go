package vision

import (
	"fmt"
	"math"
	"slices"

	"github.com/cuecast/cuecast/edge/model"
)

// colourProto is one printed ball colour as a white-balanced camera sees
// it: the chroma on the opponent axes divided by the value (so shading
// leaves it put) and the value relative to the frame's white, with the
// spreads a ball of that colour shows (lamps, print, wear, the camera).
type colourProto struct {
	OA  float64 `json:"oa"`  // (R - (G+B)/2) / V
	OB  float64 `json:"ob"`  // 0.866 (G - B) / V
	Val float64 `json:"val"` // V relative to the white
	SC  float64 `json:"sc"`  // spread of the chroma
	SV  float64 `json:"sv"`  // spread of ln(V)
}

// cost is the squared normalised distance of a ball's body colour from p.
func (p *colourProto) cost(oa, ob, val float64) float64 {
	dc := ((oa-p.OA)*(oa-p.OA) + (ob-p.OB)*(ob-p.OB)) / (p.SC * p.SC)
	dv := math.Log(math.Max(val, 0.02)/p.Val) / p.SV
	return dc + dv*dv
}

// ballSet is what the identifier knows of a venue's balls: the colours of
// each colour index (1-7 for 1-7 and 9-15, 8 for the eight), with
// alternatives where ball sets differ, and the kind of set.
type ballSet struct {
	colours [9][]colourProto
	// taught, per ball number 1-15, the colours a venue's own balls
	// showed with the built-in ones after them (venue.go); a number
	// without any is named by colours.
	taught [identityCols][]colourProto
}

// protos is the colours a ball numbered k (1-15) may show.
func (bs *ballSet) protos(k int) []colourProto {
	ci := k
	if k >= 9 {
		ci -= 8
	}
	if t := bs.taught[k]; len(t) > 0 {
		return t
	}
	return bs.colours[ci]
}

// defaultBalls covers the common US sets without teaching: the WPA colours
// (tournament and cheap sets alike), with the alternatives of the
// television sets (pink 4, brown 7, red-orange 5) and of pale cheap sets
// (lemon 1, salmon 5, teal 6). Values measured on white-balanced real
// frames (docs/vision-real.md "Ball identity").
var defaultBalls = ballSet{colours: [9][]colourProto{
	1: {{OA: 0.5, OB: 0.48, Val: 1.05, SC: 0.12, SV: 0.3}, {OA: 0.2, OB: 0.33, Val: 1.1, SC: 0.1, SV: 0.25}},
	2: {{OA: -0.53, OB: -0.45, Val: 0.85, SC: 0.13, SV: 0.4}, {OA: -0.35, OB: -0.27, Val: 1.0, SC: 0.08, SV: 0.3}},
	3: {{OA: 0.74, OB: -0.1, Val: 0.97, SC: 0.12, SV: 0.25}, {OA: 0.33, OB: -0.12, Val: 1.0, SC: 0.06, SV: 0.25}},
	4: {{OA: -0.2, OB: -0.46, Val: 0.7, SC: 0.12, SV: 0.35}, {OA: 0.46, OB: -0.24, Val: 1.08, SC: 0.09, SV: 0.2}},
	5: {{OA: 0.6, OB: 0.23, Val: 1.05, SC: 0.1, SV: 0.3}, {OA: 0.79, OB: 0.12, Val: 1.1, SC: 0.06, SV: 0.2}, {OA: 0.3, OB: 0.08, Val: 1.1, SC: 0.08, SV: 0.2}},
	6: {{OA: -0.68, OB: 0.08, Val: 0.7, SC: 0.12, SV: 0.45}, {OA: -0.48, OB: 0.32, Val: 0.55, SC: 0.1, SV: 0.4}, {OA: -0.3, OB: 0.0, Val: 0.7, SC: 0.08, SV: 0.3}},
	7: {{OA: 0.5, OB: -0.05, Val: 0.62, SC: 0.12, SV: 0.25}, {OA: 0.52, OB: 0.28, Val: 0.82, SC: 0.08, SV: 0.25}},
	8: {{OA: -0.3, OB: -0.15, Val: 0.28, SC: 0.4, SV: 0.45}},
}}

// Costs of the identity assignment, in the colour distances' units (a
// squared number of spreads).
const (
	// patternWeight turns the difference of the best solid and stripe
	// templates' misfits (shares of the ball's samples) into cost.
	patternWeight = 40
	// unknownCost is what leaving a ball unnamed costs: a ball whose
	// every name costs more stays unnamed (a non-US ball, a false ball,
	// a 17th ball).
	unknownCost = 14
	// doubtWeight is what a detection of confidence 0 adds to every
	// name's cost (see name).
	doubtWeight = 12
	// bareStripeWeight: see identityCost.
	bareStripeWeight = 100
)

// identifier names a frame's balls: it samples each, estimates the frame's
// white from them, measures each ball's pattern and colour, and assigns the
// names 0-15 at most once each by least total cost. Its buffers are kept
// between frames; one goroutine uses it.
type identifier struct {
	sw     []swatch
	ft     []features
	ftMost []features // id.ft under the most-white ball's white, kept while the other is tried
	cost   []float64
	rowCol []int
	wbuf   []float64
	levels []float64
	ratio  []float64
	radius []float64 // per ball, the radius its swatch is sampled at
	shift  [][2]float64
	as     assigner
	white  whiteRef
	// explain, when set (DetectorOptions.ExplainNames), sees how each
	// ball of a frame was named.
	explain func(Naming)
}

// whiteSwitch: the brightest white ball's white replaces the one of the
// ball showing the most white only when the balls' names cost at least
// this much less under it (one ball's worth of naming, unknownCost): two
// whites that name the balls about as well are both plausible, and the
// most white is the better-founded estimate.
const whiteSwitch = unknownCost

// smearSlack: a ball's swatch reaches at most this times the frame's
// median radius (a blurred or shadowed circle is larger than the ball).
const smearSlack = 1.05

// identityCols is the named columns: 0 (cue), 1-15.
const identityCols = 16

// name sets Class, Number and returns per-ball confidence in conf (len of
// balls) for balls at their Pixel and RadiusPx. cloth[i] is the cloth's
// B, G, R around ball i; trust[i] (0..1) how sure ball i is a ball (the
// detection's confidence; 0 off the playing surface). bs nil uses
// defaultBalls.
func (id *identifier) name(m *img, balls []model.BallDetection, cloth [][3]float64, trust []float64, bs *ballSet, conf []float64) {
	n := len(balls)
	if n == 0 {
		return
	}
	if bs == nil {
		bs = &defaultBalls
	}
	id.measureAll(m, balls, cloth, trust, bs)
	id.blendedPairs(n, bs)
	cols := identityCols + n
	for i := range balls {
		b := &balls[i]
		k := id.rowCol[i]
		row := id.cost[i*cols : (i+1)*cols]
		if k < identityCols {
			num := k
			b.Number = &num
			b.Class = model.ClassOf(k)
		} else {
			b.Number = nil
			b.Class = patternClass(&id.ft[i])
			k = -1
		}
		if conf != nil {
			conf[i] = nameConfidence(row[:identityCols], k)
		}
	}
	id.capsUp(balls, conf)
	if id.explain != nil {
		id.explainNames(balls)
	}
}

// Naming is how the namer named one ball of a frame, for a technician
// asking why a ball got its name (DetectorOptions.ExplainNames, `cuecast
// detect --explain`).
type Naming struct {
	// Ball is the ball as named (class, number; after the frame's balls
	// were named together).
	Ball model.BallDetection
	// White is the frame's white the ball was measured under (B, G, R
	// per unit of the cloth's level).
	White [3]float64
	// Name is the number the assignment gave the ball, -1 unnamed; Cost
	// what that cost (unknownCost when unnamed).
	Name int
	Cost float64
	// Best and RunnerUp are the ball's two cheapest numbers on its own
	// (0-15, before the assignment gave each number once), with their
	// costs: where Name is not Best, another ball took Best.
	Best, RunnerUp         int
	BestCost, RunnerUpCost float64
	// Features are the namer's measures, as "name value" pairs (see
	// features in identify.go).
	Features string
}

// explainNames reports every ball's naming to id.explain.
func (id *identifier) explainNames(balls []model.BallDetection) {
	cols := identityCols + len(balls)
	w := [3]float64{id.white.b, id.white.g, id.white.r}
	for i := range balls {
		b, f := &balls[i], &id.ft[i]
		row := id.cost[i*cols : (i+1)*cols]
		k1, k2 := cheapestTwo(row[:identityCols])
		nm := Naming{Ball: *b, White: w, Name: -1, Cost: unknownCost,
			Best: k1, BestCost: row[k1], RunnerUp: k2, RunnerUpCost: row[k2]}
		if k := id.rowCol[i]; k < identityCols && b.Number != nil {
			nm.Name, nm.Cost = k, row[k]
		} else if b.Number != nil {
			nm.Name = *b.Number // named by elimination (capsUp)
		}
		nm.Features = fmt.Sprintf("n %d white %.2f black %.2f colour %.2f grey %.2f cloth %.2f clip %.2f dStripe %.2f dSolid %.2f vivid %.2f pale %.2f oa %.2f ob %.2f val %.2f",
			f.n, f.white, f.black, f.colour, f.grey, f.cloth, f.clip, f.dStripe, f.dSolid, f.vivid, f.pale, f.oa, f.ob, f.bodyVal)
		if f.darkCaps {
			nm.Features += " darkCaps"
		}
		id.explain(nm)
	}
}

// cheapestTwo is the indices of row's two least values (row has >= 2).
func cheapestTwo(row []float64) (k1, k2 int) {
	k1, k2 = 0, 1
	if row[k2] < row[k1] {
		k1, k2 = k2, k1
	}
	for k := 2; k < len(row); k++ {
		switch {
		case row[k] < row[k1]:
			k1, k2 = k, k1
		case row[k] < row[k2]:
			k2 = k
		}
	}
	return k1, k2
}

// assign fills id.cost (n x (identityCols+n)) from id.ft, solves the
// assignment into id.rowCol and returns its total cost.
func (id *identifier) assign(n int, trust []float64, bs *ballSet) float64 {
	cols := identityCols + n
	id.cost = grow(id.cost, n*cols)
	id.rowCol = growInt(id.rowCol, n)
	for i := range n {
		f := &id.ft[i]
		row := id.cost[i*cols : (i+1)*cols]
		// A doubtful detection (a pocket's net, a hand, a stain) names
		// no ball as readily as a sure one: every name costs it more, so
		// where two compete for a number the sure one gets it and the
		// doubtful one stays unnamed.
		doubt := doubtWeight * (1 - math.Min(1, trust[i]))
		for k := range identityCols {
			row[k] = identityCost(f, k, bs) + doubt
		}
		for k := identityCols; k < cols; k++ {
			row[k] = unknownCost
		}
	}
	id.as.solve(id.cost, n, cols, id.rowCol)
	total := 0.0
	for i := range n {
		total += id.cost[i*cols+id.rowCol[i]]
	}
	return total
}

// measureAll samples every ball's swatch, estimates the frame's white and
// fills id.ft (len(balls)) with each ball's features, and id.cost and
// id.rowCol with the names' costs and the cheapest assignment (bs, not
// nil): what name names by, and what a venue is taught from (venue.go).
//
// The white is one of two estimates (estimateWhite): the white of the
// ball showing the most white, or of the brightest white ball. They
// differ where something white that is no ball (a wall past a pocket, a
// rail) or a clipped cue ball is in view; the one under which the balls'
// names cost least in total is the frame's white: under a wrong white
// every colour is off, and the balls fit no set.
func (id *identifier) measureAll(m *img, balls []model.BallDetection, cloth [][3]float64, trust []float64, bs *ballSet) {
	n := len(balls)
	if cap(id.sw) < n {
		id.sw = make([]swatch, n)
		id.ft = make([]features, n)
	}
	id.sw, id.ft = id.sw[:n], id.ft[:n]
	// The circles may take in a shadow or a blurred edge, or sit off the
	// ball by a pixel or two: each ball's own outline (swatch.outline)
	// moves its swatch onto its centre, and where the outlines say the
	// balls are smaller than their circles, by the median over the frame,
	// they are all sampled that much smaller. The size per frame, not per
	// ball: one ball's outline can be wrong (a stripe's band of the
	// cloth's colour reads as the cloth).
	// A ball rolling in the shutter's time is smeared along its path,
	// and its circle takes the smear in (a fifth larger): sampled at the
	// frame's typical radius, its swatch keeps to the ball's own surface
	// rather than white blended with the cloth (a moving cue ball on red
	// read as the maroon 15).
	id.radius = grow(id.radius, n)
	for i := range balls {
		id.radius[i] = balls[i].RadiusPx
	}
	if n >= 3 {
		id.ratio = append(id.ratio[:0], id.radius...)
		sortFloats(id.ratio)
		typical := smearSlack * id.ratio[n/2]
		for i := range id.radius {
			id.radius[i] = math.Min(id.radius[i], typical)
		}
	}
	id.ratio = id.ratio[:0]
	id.shift = growShift(id.shift, n)
	for i := range balls {
		b := &balls[i]
		id.sw[i].sample(m, b.Pixel.X, b.Pixel.Y, id.radius[i])
		id.shift[i] = [2]float64{}
		if dx, dy, r, ok := id.sw[i].outline(cloth[i]); ok {
			id.ratio = append(id.ratio, r/swReach)
			id.shift[i] = [2]float64{dx * id.radius[i], dy * id.radius[i]}
		}
	}
	k := 1.0
	if len(id.ratio) >= 3 {
		sortFloats(id.ratio)
		k = math.Min(1, id.ratio[len(id.ratio)/3])
	}
	for i := range balls {
		if s := id.shift[i]; k < 0.95 || s != [2]float64{} {
			b := &balls[i]
			id.sw[i].sample(m, b.Pixel.X+s[0], b.Pixel.Y+s[1], id.radius[i]*k)
		}
	}
	id.levels = grow(id.levels, n)
	for i := range balls {
		id.levels[i] = clothLevel(cloth[i])
	}
	most, bright, buf := estimateWhite(id.sw, id.levels, trust, cloth, id.wbuf)
	cands := [3]whiteRef{most, bright}
	nc := 1
	if !whitesAlike(bright, most) {
		nc++
	}
	// Under a lamp the camera has not balanced for, white is too warm (or
	// cool) for the nearly grey test, and the most white may be a pale
	// false ball (a chalk smudge read as a cue ball): a white found on the
	// lamps' locus is a third candidate if a whole ball shows it.
	lamp, buf := lampWhite(id.sw, id.levels, trust, cloth, buf)
	if lamp.whole && !whitesAlike(lamp, most) && !whitesAlike(lamp, bright) {
		cands[nc] = lamp
		nc++
	}
	id.wbuf = buf
	id.chooseWhite(cands[:nc], cloth, trust, bs)
}

// chooseWhite measures the balls under each candidate white in turn and
// keeps the first unless a later one names the balls cheaper by
// whiteSwitch: under a wrong white every colour is off, and the balls fit
// no set.
func (id *identifier) chooseWhite(cands []whiteRef, cloth [][3]float64, trust []float64, bs *ballSet) {
	n := len(id.sw)
	id.measureWith(cands[0], cloth)
	if len(cands) == 1 {
		id.assign(n, trust, bs)
		return
	}
	best, cBest := cands[0], id.assign(n, trust, bs)
	// measure depends only on the swatch, the white and the cloth: the
	// best features are kept, not measured again if they win.
	id.ftMost = append(id.ftMost[:0], id.ft...)
	for _, w := range cands[1:] {
		id.measureWith(w, cloth)
		if c := id.assign(n, trust, bs); c+whiteSwitch <= cBest {
			best, cBest = w, c
			id.ftMost = append(id.ftMost[:0], id.ft...)
		}
	}
	if id.white != best {
		id.white = best
		copy(id.ft, id.ftMost)
		id.assign(n, trust, bs)
	}
}

// whitesAlike: two whites within whiteAlike of each other per channel
// (relative) name the balls alike; measuring under both would cost a
// second measure of every ball for nothing (the simulator's cue ball and
// a stripe's cap up differ by a few percent).
func whitesAlike(a, b whiteRef) bool {
	near := func(x, y float64) bool { return math.Abs(x-y) <= whiteAlike*math.Max(x, y) }
	return near(a.b, b.b) && near(a.g, b.g) && near(a.r, b.r)
}

// whiteAlike: see whitesAlike.
const whiteAlike = 0.08

// measureWith measures every sampled ball (id.sw) under the white w.
func (id *identifier) measureWith(w whiteRef, cloth [][3]float64) {
	id.white = w
	for i := range id.sw {
		measure(&id.sw[i], w.at(id.levels[i]), cloth[i], &id.ft[i])
	}
}

// blendedPairs settles a solid and the stripe of its colour (k and k+8)
// that both read as solids, where their names came from the colour alone:
// the pattern cannot tell them (a stripe with its band towards the camera
// whose caps blur into the band at a small size; the templates see a solid
// on both) and the two print colours are one. A stripe's band lies beside
// its white caps everywhere, and the lens and the camera's chroma
// subsampling mix that white in: of the two, the paler and brighter one is
// the stripe. The assignment read the other way round (paler by more than
// the colour's spread, and brighter) is swapped. Nothing changes where the
// pattern said which is which or the colours alone do not say it.
func (id *identifier) blendedPairs(n int, bs *ballSet) {
	for i := range n {
		k := id.rowCol[i]
		if k < 9 || k >= identityCols {
			continue
		}
		j := slices.Index(id.rowCol[:n], k-8)
		if j < 0 {
			continue
		}
		fs, fo := &id.ft[i], &id.ft[j] // named the stripe, named the solid
		if fs.dStripe < fs.dSolid || fo.dStripe < fo.dSolid || fs.darkCaps || fo.darkCaps {
			continue
		}
		cs, co := math.Hypot(fs.oa, fs.ob), math.Hypot(fo.oa, fo.ob)
		if cs-co > colourSpread(fo, k-8, bs) && fo.bodyVal > fs.bodyVal {
			id.rowCol[i], id.rowCol[j] = k-8, k
		}
	}
}

// colourSpread is the chroma spread (SC) of the colour of number k that
// ball f fits best.
func colourSpread(f *features, k int, bs *ballSet) float64 {
	ps := bs.protos(k)
	best, sc := math.Inf(1), 0.0
	for i := range ps {
		if c := ps[i].cost(f.oa, f.ob, f.bodyVal); c < best {
			best, sc = c, ps[i].SC
		}
	}
	return sc
}

// capsUp names a stripe whose cap faces the camera: it shows no band, only
// white, so it reads as a second cue ball and stays unnamed once the cue
// ball has the 0. There is one cue ball: an unnamed all-white ball beside
// a named cue ball is a stripe; and when it is the only such ball and one
// stripe number (9-15) alone is not in the frame, it is that stripe (a
// full rack, by elimination).
func (id *identifier) capsUp(balls []model.BallDetection, conf []float64) {
	var seen [identityCols]bool
	for i := range balls {
		if n := balls[i].Number; n != nil {
			seen[*n] = true
		}
	}
	if !seen[0] {
		return
	}
	bare, nb := -1, 0
	for i := range balls {
		if f := &id.ft[i]; balls[i].Number == nil && f.n > 0 && f.colour+f.black < bareShare {
			balls[i].Class = model.ClassStripe
			bare = i
			nb++
		}
	}
	free, nf := -1, 0
	for k := 9; k < identityCols; k++ {
		if !seen[k] {
			free = k
			nf++
		}
	}
	if nb == 1 && nf == 1 {
		balls[bare].Number = &free
		if conf != nil {
			conf[bare] = 0.5 // by elimination, not by its look
		}
	}
}

// bareShare: a ball with less of its swatch in colour or black than this
// shows no band (see capsUp).
const bareShare = 0.05

// identityCost is the cost of naming a ball with features f as number k:
// how much worse its pattern fits the number's family (cue: white all
// over; 1-8: solid, circles only; 9-15: stripe) than the best-fitting
// family, plus the distance of its body colour from the number's colour.
func identityCost(f *features, k int, bs *ballSet) float64 {
	if f.n == 0 {
		return unknownCost + 1
	}
	dCue := f.colour + f.black
	best := min(dCue, f.dSolid, f.dStripe)
	if k == 0 {
		// A white ball shows colour only as a pale tint (a coloured
		// light, a neighbour's reflection) or a few dots (a measle cue
		// ball): colour in full chroma over its disc is a band or a
		// body, counted twice against the cue ball.
		return patternWeight * (dCue - best + f.vivid)
	}
	var c float64
	if k >= 9 {
		c = patternWeight * (f.dStripe - best)
		// A stripe always shows some of its band inside the swatch
		// (the widest cap facing the camera leaves 14% of it): a ball
		// with less is the cue ball, or a stripe seen too badly to name.
		c += bareStripeWeight * math.Max(0, 0.13-dCue)
		// Less band than most orientations show is evidence against a
		// stripe (capUpCost), in so far as that band is pale: a thin rim
		// of pale colour is also what a tinted white ball shows, a rim
		// of print colour only a stripe (the simulator's stripes with
		// their caps up, vivid, were left unnamed without this).
		if f.colour > 0 {
			c += capUpCost(dCue) * f.pale / f.colour
		}
	} else {
		c = patternWeight * (f.dSolid - best)
	}
	cc := math.Inf(1)
	ps := bs.protos(k)
	for i := range ps {
		cc = math.Min(cc, ps[i].cost(f.oa, f.ob, f.bodyVal))
	}
	// Few body samples (a cap facing the camera) say little about the
	// colour: their evidence counts in proportion.
	body := dCue * float64(f.n)
	return c + cc*math.Min(1, body/40)
}

// patternClass is the class of an unnamed ball from its pattern alone.
func patternClass(f *features) model.Class {
	switch {
	case f.n == 0:
		return model.ClassSolid
	case f.white > 0.9:
		return model.ClassCue
	case f.bodyVal < 0.3 && f.dSolid <= f.dStripe:
		return model.ClassEight
	case f.dStripe < f.dSolid:
		return model.ClassStripe
	}
	return model.ClassSolid
}

// nameConfidence is 0..1 from how much worse the second-best name is than
// the chosen one.
func nameConfidence(row []float64, k int) float64 {
	if k < 0 {
		return 0
	}
	second := math.Inf(1)
	for j, c := range row {
		if j != k && c < second {
			second = c
		}
	}
	return math.Min(1, math.Max(0, (second-row[k])/6))
}

func growShift(s [][2]float64, n int) [][2]float64 {
	if cap(s) < n {
		return make([][2]float64, n)
	}
	return s[:n]
}
