package vision

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
)

// DetectorOptions are a Detector's dependencies beyond its config section.
type DetectorOptions struct {
	// Table is the playing surface's geometry (size and pockets); zero
	// means a 9 ft table.
	Table model.TableGeometry
	// Calibration, when it holds fixed corners, replaces table finding.
	Calibration *Calibration
	// Venue, when set, is the venue's taught ball colours (SetVenue).
	Venue *Venue
	// Stills says each frame is a still image of its own (cuecast detect,
	// the labelling page, the real-set scoring): each ball's centre is
	// then polished on its own outline (polishCircle), which takes a
	// shadow or smear out of the centre (median error on the labelled
	// real set 1.09 -> 0.3-0.4 px). The video loop leaves it off for now:
	// on the rex-lapis clips the polished centres cost the tracker a false
	// pocketing (docs/vision-real.md, "Ball centres and table corners").
	Stills bool
	// Explain, when set, is called with every ball candidate of each
	// Detect and the verdict on it (explain.go); it costs the measurements
	// a rejected candidate otherwise skips.
	Explain func(Candidate)
	// ExplainNames, when set, is called with every named ball of each
	// Detect: the namer's features, the name it got and the runner-up
	// with their costs (names.go).
	ExplainNames func(Naming)
	// ExplainTable, when set, is called on each table fit with where the
	// reported corners came from (the cushion noses, the finder's outline
	// and why the refinement was not taken, or a calibration's corners).
	ExplainTable func(string)
	Log          *slog.Logger
}

// Detector finds the table, balls and cue in frames. One goroutine calls
// Detect; Performance and Calibration may be called from any goroutine.
type Detector struct {
	cfg   config.Vision
	geo   model.TableGeometry
	size  model.Size
	log   *slog.Logger
	frame frameMat
	tf    *tableFinder
	sf    *scaleFinder
	reach reachWalk // bareReach's buffers, kept between calls
	bf    *ballFinder
	cue   *cueFinder

	table     *tableFit // nil until found
	lastCheck time.Time
	fixed     *[4]model.Pixel // corners from a calibration: never re-found
	tableMiss int             // consecutive failed re-checks

	perf perfStats
	und  *undistorter // lens model of the calibration; nil without one
	// support[i] is the share of dst.Balls[i]'s outline that was found
	// (refinement rays). At roundSupport or more it is round all about:
	// only those are painted out before the cue search, so a false ball
	// on the stick's butt does not cut the stick in two.
	support []float64
	// free[i] is the radius (table metres) dst.Balls[i]'s outline gave on
	// its own, 0 when unclear (see freeRadius).
	free []float64
	// black[i] is the share of dst.Balls[i]'s disc that is black.
	black []float64
	// radii are the last radiusWindow free radii (a ring from radiusNext);
	// radiusSettled once a window was full since the table was fitted.
	radii         []float64
	radiusNext    int
	radiusSettled bool
	// sized once the balls' outlines measured their size on this table,
	// swept once a size sweep ran on it: no sweep after either (see
	// sweepSize), so a table whose balls never give clean outlines pays
	// the sweep's searches once, not on every frame.
	sized, swept bool
	scratch      []float64
	// stickTest is d.touchesStick, bound once (a method value made per
	// frame would allocate).
	stickTest func(*model.BallDetection) bool
	rect      img // the rectified view of the current frame (ball finder's warp)

	// id names the frame's balls together (identify.go); cloth and
	// nameConf are its per-ball inputs and outputs, kept between frames.
	id       identifier
	cloth    [][3]float64
	trust    []float64
	nameConf []float64

	// trace, when set (DetectorOptions.Explain), sees every refined
	// candidate and why it was not taken; a nil detection starts a new
	// pass over the frame.
	trace func(b *model.BallDetection, fit circleFit, ev evidence, why string)
	expl  *explainer

	mu    sync.Mutex // guards calib
	calib *Calibration
	// venue is the taught ball colours (venue.go), nil for the built-in
	// ones; SetVenue swaps it from any goroutine.
	venue atomic.Pointer[venueState]
	// stills: polish ball centres (DetectorOptions.Stills).
	stills bool
	// explainTable: DetectorOptions.ExplainTable.
	explainTable func(string)
}

// NewDetector builds a detector and allocates its Mats; Close frees them.
func NewDetector(cfg config.Vision, o DetectorOptions) (*Detector, error) {
	if o.Table.Length == 0 {
		o.Table = model.Standard(model.Table9ft)
	}
	if o.Table.Length <= 0 || o.Table.Width <= 0 || len(o.Table.Pockets) == 0 {
		return nil, errors.New("vision: detector: table geometry without size or pockets")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	SetThreads(cfg.Threads)
	size := model.Size{Length: o.Table.Length, Width: o.Table.Width}
	d := &Detector{cfg: cfg, geo: o.Table, log: o.Log, size: size, stills: o.Stills,
		tf: newTableFinder(size, cfg.CushionWidth), cue: newCueFinder()}
	d.tf.noRefine = cfg.CushionNose != "step-up"
	d.bf = d.newBallFinder(model.BallRadius)
	if o.Calibration != nil {
		if err := d.SetCalibration(o.Calibration); err != nil {
			d.Close()
			return nil, err
		}
	}
	if o.Venue != nil {
		if err := d.SetVenue(o.Venue); err != nil {
			d.Close()
			return nil, err
		}
	}
	d.stickTest = d.touchesStick
	if o.Explain != nil {
		d.expl = &explainer{fn: o.Explain}
		d.trace = d.expl.trace
	}
	d.id.explain = o.ExplainNames
	d.explainTable = o.ExplainTable
	return d, nil
}

// newBallFinder builds the ball finder for balls of radius rb (table
// metres). The rectified view keeps about 6 px of ball radius, enough for
// the distance transform to separate touching balls, small enough to be
// cheap, whatever the balls' size; a configured detect width overrides it.
func (d *Detector) newBallFinder(rb float64) *ballFinder {
	ppm := 6 / rb
	if d.cfg.DetectWidth > 0 {
		ppm = float64(d.cfg.DetectWidth) / (d.size.Length + 2.1*rb)
	}
	return newBallFinder(d.size, ppm, rb)
}

// setBallRadius switches to balls of radius rb (table metres) when it
// differs from the current one by more than 4%: the ball finder is rebuilt
// for it (its view's scale follows the balls').
func (d *Detector) setBallRadius(rb float64) {
	if math.Abs(rb-d.bf.rb) <= 0.04*d.bf.rb {
		return
	}
	d.bf.close()
	d.bf = d.newBallFinder(rb)
	if d.table != nil {
		d.bf.setTable(d.table, d.geo)
	}
}

// Close frees the detector's Mats. Safe to call twice.
func (d *Detector) Close() error {
	if d.tf == nil {
		return nil
	}
	d.frame.close()
	d.tf.close()
	d.bf.close()
	if d.sf != nil {
		d.sf.close()
	}
	d.cue.close()
	if d.und != nil {
		d.und.close()
		d.und = nil
	}
	d.tf, d.bf = nil, nil
	return nil
}

// SetCalibration installs a calibration: fixed corners (if any) replace the
// automatic table finder from the next frame on. nil returns to automatic.
func (d *Detector) SetCalibration(c *Calibration) error {
	if c != nil {
		if err := c.Validate(); err != nil {
			return err
		}
	}
	d.mu.Lock()
	d.calib = c
	d.mu.Unlock()
	return nil
}

func (d *Detector) calibration() *Calibration {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.calib
}

// lens returns the undistorter for the current calibration's intrinsics,
// rebuilding it when they changed; nil without intrinsics.
func (d *Detector) lens() *undistorter {
	c := d.calibration()
	if c == nil || c.Camera == nil {
		if d.und != nil {
			d.und.close()
			d.und = nil
		}
		return nil
	}
	if d.und == nil || !sameIntrinsics(&d.und.in, c.Camera) {
		if d.und != nil {
			d.und.close()
		}
		d.und = newUndistorter(*c.Camera)
		d.table = nil // the outline moves with the undistortion
	}
	return d.und
}

// Detect finds everything in f and fills dst, reusing dst.Balls. The frame
// is only read during the call. dst.Timings.CaptureMS is the caller's.
func (d *Detector) Detect(f *model.Frame, dst *model.Detection) error {
	if d.tf == nil {
		return errors.New("vision: detect: detector is closed")
	}
	capture := dst.Timings.CaptureMS
	dst.Seq, dst.Captured, dst.Width, dst.Height = f.Seq, f.Captured, f.Width, f.Height
	dst.Table, dst.Cue = nil, nil
	dst.Balls = dst.Balls[:0]
	dst.Timings = model.StageTimings{CaptureMS: capture}
	if d.expl != nil {
		d.expl.pass = 0
	}
	t0 := time.Now()
	if err := checkFrame(f); err != nil {
		return err
	}
	frame := viewOf(f, &d.frame)
	if u := d.lens(); u != nil {
		m, err := frame.mat()
		if err == nil {
			m, err = u.apply(m)
		}
		if err == nil {
			frame, err = viewMat(m)
		}
		if err != nil {
			return fmt.Errorf("vision: detect: %w", err)
		}
	}
	if err := d.updateTable(f, &frame); err != nil && d.table == nil {
		dst.Timings.TableMS = ms(time.Since(t0))
		d.perf.add(dst.Timings, 0)
		return nil // no table in view: an empty detection, not a failure
	}
	tf := d.table
	// Reported: the refined corners (tableFit.rep); the finding below
	// keeps the finder's (tf).
	rt := tf.reported()
	dst.Table = &model.TableDetection{Corners: rt.corners, Pockets: rt.pocketPixels(d.geo), H: rt.h}
	t1 := time.Now()
	dst.Timings.TableMS = ms(t1.Sub(t0))

	im := img{pix: frame.pix, w: f.Width, h: f.Height}
	d.findBalls(&frame, &im, tf, dst)
	if !d.sized && !d.swept && len(dst.Balls) > 0 {
		d.swept = true
		d.sweepSize(&frame, &im, tf, dst)
	}
	for pass := 0; pass < radiusPasses; pass++ {
		rb, ok := d.learnRadius(tf, dst)
		if !ok {
			break
		}
		// The balls are another size than the finder's (the first frame
		// of a table, a table of another size than configured): find them
		// again at their size. The outline search reaches 30% either side
		// of the expected radius, so a size far off takes a pass or two.
		d.setBallRadius(rb)
		d.findBalls(&frame, &im, tf, dst)
	}
	t2 := time.Now()
	dst.Timings.BallsMS = ms(t2.Sub(t1))
	dst.Cue = d.cue.find(d.bf, tf, dst.Balls, d.support)
	if dst.Cue != nil {
		dst.Balls = dropOnCue(dst.Balls, d.support, dst.Cue, d.stickTest)
	}
	dst.Timings.CueMS = ms(time.Since(t2))
	t3 := time.Now()
	d.name(&im, tf, dst.Balls)
	if d.stills {
		d.polish(&im, tf, dst.Balls)
	}
	report(tf, dst.Balls, dst.Cue)
	dst.Timings.BallsMS += ms(time.Since(t3))
	d.perf.add(dst.Timings, len(dst.Balls))
	return nil
}

// findBalls finds, refines and names the balls of frame (im its pixels)
// on table tf into dst.Balls (d.support, d.free parallel).
func (d *Detector) findBalls(frame *frameView, im *img, tf *tableFit, dst *model.Detection) {
	dst.Balls = dst.Balls[:0]
	d.support, d.free, d.black = d.support[:0], d.free[:0], d.black[:0]
	if d.trace != nil {
		d.trace(nil, circleFit{}, evidence{}, "") // a new pass
	}
	rp := d.bf.rectify(frame)
	d.rect = img{pix: rp, w: d.bf.w, h: d.bf.h}
	if !d.bf.fitted {
		d.bf.learnField(rp, &tf.felt)
	}
	cands := d.bf.candidates(rp, &tf.felt)
	for _, c := range cands {
		b, fit, ev, why := d.ball(im, tf, c, dst.Balls)
		if why != "" {
			continue
		}
		// Two candidates can refine onto one ball (a vote peak beside a
		// distance peak), and two balls cannot be closer than 2 r: of two
		// detections within 1.5 r keep the one with the much better
		// outline (a whole circle beats a blob beside it), else the more
		// confident.
		if i := sameBall(dst.Balls, &b); i >= 0 {
			if better(fit.support, b.Confidence, ev.black, d.support[i], dst.Balls[i].Confidence, d.black[i]) {
				dst.Balls[i] = b
				d.support[i] = fit.support
				d.free[i] = d.freeRadius(tf, &b, fit)
				d.black[i] = ev.black
			}
		} else {
			dst.Balls = append(dst.Balls, b)
			d.support = append(d.support, fit.support)
			d.free = append(d.free, d.freeRadius(tf, &b, fit))
			d.black = append(d.black, ev.black)
		}
	}
}

// sameBall is the index of the first of found that b overlaps (closer
// than overlap radii: the same ball), -1 when none.
func sameBall(found []model.BallDetection, b *model.BallDetection) int {
	for i := range found {
		o := &found[i]
		if math.Hypot(o.Pixel.X-b.Pixel.X, o.Pixel.Y-b.Pixel.Y) < overlap*b.RadiusPx {
			return i
		}
	}
	return -1
}

// freeRadius is the table-frame radius (metres) the outline of b gave on
// its own, or 0 when the outline was not clear enough to measure the
// balls' size with.
func (d *Detector) freeRadius(tf *tableFit, b *model.BallDetection, fit circleFit) float64 {
	if !fit.ok || fit.support < radiusSupport || b.Pos == nil {
		return 0
	}
	return fit.free / tf.inv.scaleAt(b.Pos.X, b.Pos.Y)
}

// radiusSupport is the outline support from which a detection's fitted
// radius counts towards the balls' size.
const radiusSupport = 0.75

// learnRadius collects the radii the balls' outlines gave (over the last
// radiusWindow of them) and returns their median when it differs from the
// finder's by more than radiusSlack: on the first frames of a table from
// radiusQuick balls on, later from a full window.
func (d *Detector) learnRadius(tf *tableFit, dst *model.Detection) (float64, bool) {
	for _, r := range d.free {
		if r <= 0 {
			continue
		}
		if len(d.radii) < radiusWindow {
			d.radii = append(d.radii, r)
		} else {
			d.radii[d.radiusNext] = r
		}
		d.radiusNext = (d.radiusNext + 1) % radiusWindow
	}
	n := len(d.radii)
	if n < radiusQuick || d.radiusSettled && n < radiusWindow {
		return 0, false
	}
	s := append(d.scratch[:0], d.radii...)
	slices.Sort(s)
	d.scratch = s
	m := s[n/2]
	if n >= radiusWindow {
		d.radiusSettled = true
	}
	if n >= radiusQuick {
		d.sized = true
	}
	if math.Abs(m-d.bf.rb) <= radiusSlack*d.bf.rb {
		return 0, false
	}
	d.radii, d.radiusNext = d.radii[:0], 0
	return m, true
}

// measured is how many of the current detections' outlines measured the
// balls' size (see freeRadius).
func (d *Detector) measured() int {
	n := 0
	for _, r := range d.free {
		if r > 0 {
			n++
		}
	}
	return n
}

// sizeSweep are the factors of the finder's size searched on a table's
// first frame with balls before the size is learned: the outline
// refinement reaches about 30% either side of the expected radius, so
// balls much larger than expected (a 7 or 8 ft table taken for the
// configured 9 ft one, or larger balls: the common case, the scale
// estimate says 15-20% on most real tables) fit poorly at the configured
// size, and how many clean outlines come out there (and which: a shadow's,
// a neighbour's) is chance. One step of the reach up brings them inside it.
// Not down: at a smaller size the cloth's blotches and the diamonds start
// to pass for balls (an empty table's frames got false balls).
var sizeSweep = [...]float64{1.3}

// sweepGain is how many times the clean outlines of the finder's size a
// swept size must give to be taken: where the finder's size already
// reaches the balls both sizes give about as many (the larger reach
// catches a few more edges, the contact shadow's among them), and the
// median learning settles the size from either; where it does not, it
// gives a few, some of them a shadow's or a neighbour's.
const sweepGain = 2

// sweepSize decides a table's first ball size on both sides of the
// outline's reach instead of on whichever outlines the finder's size
// happened to catch: frame is searched at the finder's size (dst as found
// there) and at each sizeSweep factor of it, and a swept size whose
// detections give sweepGain times the clean outlines (and at least
// radiusQuick) wins; the usual median learning (learnRadius) follows from
// its outlines. Searching only when the finder's size gave fewer than
// radiusQuick outlines let three outlines of shadows or neighbours decide
// the size (and every ball after it) on a sub-pixel move of the table:
// a frame with 3 learned down from them and lost 15 of 22 balls, its
// neighbour shift with 2 swept and found all. dst, d.support, d.free and
// d.black are left as found at the kept size.
func (d *Detector) sweepSize(frame *frameView, im *img, tf *tableFit, dst *model.Detection) {
	base := d.bf.rb
	best, bestN := base, d.measured()
	last := base
	for _, k := range sizeSweep {
		d.setBallRadius(base * k)
		d.findBalls(frame, im, tf, dst)
		last = base * k
		if n := d.measured(); n >= sweepGain*bestN && n > radiusQuick-1 {
			best, bestN = last, n
		}
	}
	if best != last {
		d.setBallRadius(best)
		d.findBalls(frame, im, tf, dst)
	}
}

// radiusSlack is how far (share) the balls' outlines may differ from the
// finder's size before it changes: the outline refinement fits reaches a
// little past the paint's edge (the blurred edge, the contact shadow: 5%
// on the simulator's frames, up to 20% on real ones), so a size within
// this of the configured table's is kept.
const radiusSlack = 0.08

// radiusPasses is how many times one frame is searched again at a newly
// learned ball size.
const radiusPasses = 3

// radiusWindow and radiusQuick: how many outlines the balls' size is
// measured over, and from how many a table's first frames take it.
const (
	radiusWindow = 64
	radiusQuick  = 3
)

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// updateTable finds the table on the first frame and re-checks it every
// TableRecheck; with fixed corners it only learns the cloth once.
func (d *Detector) updateTable(f *model.Frame, frame *frameView) error {
	pix := frame.pix
	c := d.calibration()
	if c != nil && c.Corners != nil {
		if d.table != nil && d.fixed != nil && *d.fixed == *c.Corners {
			return nil
		}
		fe, err := learnFelt(pix, f.Width, f.Height)
		if err != nil {
			return err
		}
		fit, err := fitFromCorners(fe, *c.Corners, *c.Corners, model.Size{Length: d.geo.Length, Width: d.geo.Width})
		if err != nil {
			return err
		}
		corners := *c.Corners
		d.fixed = &corners
		// A technician's corners win over both of the finder's: they are
		// the finder's and the reported table alike (rep stays nil).
		fit.repWhy = "calibration: the technician's corners"
		d.setTable(&fit)
		return nil
	}
	if d.fixed != nil {
		// Back from fixed corners to automatic: find the table now.
		d.fixed, d.table = nil, nil
	}
	if d.table != nil && (d.cfg.TableRecheck == 0 || f.Captured.Sub(d.lastCheck) < d.cfg.TableRecheck.D()) {
		return nil
	}
	d.lastCheck = f.Captured
	fm, err := frame.mat()
	if err != nil {
		return err
	}
	fit, err := d.tf.find(fm, pix)
	if err != nil {
		d.tableMiss++
		if d.table != nil && d.tableMiss == 3 {
			d.log.Warn("table not found on re-check; keeping the last outline", "err", err)
		}
		return err
	}
	d.tableMiss = 0
	// Same table or moved: judged on the finder's corners, the outline the
	// ball finder's view and learned size hang on (a re-fit starts both
	// anew); the reported corners (rep) follow that decision, so the two
	// always come from the same fit. The step-up noses are not steadier
	// than the finder's outermost step from frame to frame (a player's arm
	// over a cushion moves either), and re-fitting on their jitter alone
	// would reset the ball size for nothing.
	if d.table != nil && cornerShift(d.table.corners, fit.corners) < 1.5 {
		// Same table: keep the outline (no jitter in table coordinates)
		// but refresh the cloth's light field.
		d.bf.learnField(d.bf.rectify(frame), &d.table.felt)
		return nil
	}
	if d.table != nil {
		d.log.Info("table moved; re-fitted", "shift_px", cornerShift(d.table.corners, fit.corners))
	}
	d.tf.refineFit(&fit, fm, pix)
	d.setTable(&fit)
	if d.sf == nil {
		d.sf = newScaleFinder(model.Size{Length: d.geo.Length, Width: d.geo.Width})
	}
	d.radii, d.radiusNext, d.radiusSettled = d.radii[:0], 0, false
	d.sized, d.swept = false, false
	rb, ok := d.sf.estimate(fm, &fit, d.geo)
	// The coarse estimate only moves the finder off the configured size
	// when it is far from it; the outlines refine it (learnRadius).
	if ok && math.Abs(rb-d.bf.rb) > 0.2*d.bf.rb {
		d.setBallRadius(rb)
	}
	return nil
}

// jawSupport is the outline support a detection centred in a pocket's
// throat needs (see ball).
const jawSupport = 0.5

// minShading is the least brightness variation (coefficient of variation
// over the disc) a ball shows; see ballLook.shading.
const minShading = 0.04

// roundSupport is the outline support from which a detection counts as
// round all about.
const roundSupport = 0.6

// overlap is how close (radii) two detections' centres may be: balls
// touch at 2 r, a refinement's error is a fraction of a radius.
const overlap = 1.6

// clearBlack and shadowTaken: a detection with under clearBlack of its
// disc black is clear of a shadow; one with shadowTaken more black than
// it on the same spot takes in the shadow beside the ball. On
// gravitygravity's side-lit frame (issue #14) the balls read 0.00-0.02
// black, the circles over ball and shadow 0.30-0.38; a stripe's black caps
// read up to 0.13 (its circle is the whole ball, the best outline).
const (
	clearBlack  = 0.1
	shadowTaken = 0.2
)

// better says whether a detection with outline support sa, confidence ca
// and black share ka should replace one with sb, cb, kb on the same spot.
// Under a single side light a ball casts a hard shadow as black as the
// eight and as round as a ball, joined to it: of the two, the ball is the
// one that is not black. A circle drawn half over the ball and half over
// that shadow takes in a share of black the ball alone does not: of the
// two, the one clear of black wins where its outline is at least as
// whole. Otherwise a much better outline wins (a whole circle beats a
// blob beside it), else the more confident.
func better(sa, ca, ka, sb, cb, kb float64) bool {
	switch {
	case ka < 0.3 && kb > 0.5:
		return true
	case kb < 0.3 && ka > 0.5:
		return false
	case ka < clearBlack && kb-ka > shadowTaken && sa >= sb:
		return true
	case kb < clearBlack && ka-kb > shadowTaken && sb >= sa:
		return false
	case math.Abs(sa-sb) > 0.25:
		return sa > sb
	}
	return ca > cb
}

// touchesStick is dropOnCue's test for fingers.
func (d *Detector) touchesStick(b *model.BallDetection) bool { return d.cue.touchesStick(d.bf, b) }

func (d *Detector) setTable(fit *tableFit) {
	d.table = fit
	d.bf.setTable(fit, d.geo)
	rt := fit.reported()
	d.log.Info("table fitted", "corners", fmt.Sprintf("%.1f", rt.corners), "from", fit.repWhy,
		"finder_shift_px", fmt.Sprintf("%.1f", cornerShift(fit.corners, rt.corners)))
	if d.explainTable != nil {
		d.explainTable(fmt.Sprintf("corners %.1f from %s; the ball finder's %.1f px from them", rt.corners, fit.repWhy, cornerShift(fit.corners, rt.corners)))
	}
}

func cornerShift(a, b [4]model.Pixel) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Hypot(a[i].X-b[i].X, a[i].Y-b[i].Y))
	}
	return m
}

// lookAgainShading (times minShading) and lookAgainConf: a candidate
// whose checkerboard look (sparseDiscR) gives a shading under
// lookAgainShading*minShading, or a confidence within lookAgainConf of the
// least one, is looked at again on every pixel: half the samples move a
// disc's fractions by a percent or two and its confidence by up to ~0.04
// (the labelled real frames' and the unlabelled sources' kept balls), so
// only such a candidate's verdict can differ; the clear balls and the
// clear rejects (nearly all) keep the cheaper look.
const (
	lookAgainShading = 2
	lookAgainConf    = 0.06
)

// ball refines and names one candidate. It returns the detection, the
// outline fit, and why it is not a ball ("" when it is).
func (d *Detector) ball(im *img, tf *tableFit, c cand, found []model.BallDetection) (model.BallDetection, circleFit, evidence, string) {
	b, fit, ev, why := d.measure(im, tf, c, found)
	if d.trace != nil {
		d.trace(&b, fit, ev, why)
	}
	return b, fit, ev, why
}

// measure refines a candidate, names it and gathers the evidence on it;
// why is the reason it is not a ball, "" when it is. found are the balls
// of the pass so far (findBalls' duplicate test).
func (d *Detector) measure(im *img, tf *tableFit, c cand, found []model.BallDetection) (b model.BallDetection, fit circleFit, ev evidence, why string) {
	tx, ty := d.bf.toTable(c.u, c.v)
	cx, cy := tf.inv.apply(tx, ty)
	r := d.bf.rb * tf.inv.scaleAt(tx, ty)
	ui, vi := clampI(int(c.u), 0, d.bf.w-1), clampI(int(c.v), 0, d.bf.h-1)
	fs := float64(d.bf.feltSum[vi*d.bf.w+ui])
	cloth := [3]float64{fs * tf.felt.cb, fs * tf.felt.cg, fs * tf.felt.cr}
	// The coarse look only decides which edge test to use: the rectified
	// view's 6 px disc is enough, at a quarter of the full-resolution cost.
	coarse := look(&d.rect, c.u, c.v, d.bf.rw, cloth)
	// Dark balls (the eight, maroon on red cloth) differ from the cloth
	// mostly in brightness: let darkness count as "ball" for their edge.
	useDark := coarse.black > 0.25 || coarse.colour < 0.5 && coarse.white < 0.2
	fit = refineCircle(im, &tf.felt, fs, cx, cy, r, useDark)
	if !fit.ok || fit.support < 0.5 {
		// A ball the cloth's colour: find its outline by colour steps.
		if e := refineByEdges(im, cx, cy, r); e.ok && e.support > fit.support {
			fit = e
		}
	}
	x, y, rad, support, ok := fit.x, fit.y, fit.rad, fit.support, fit.ok
	if !ok {
		x, y, rad = cx, cy, r
	}
	p := tf.h
	w := p[6]*x + p[7]*y + p[8]
	pos := model.Vec2{X: (p[0]*x + p[1]*y + p[2]) / w, Y: (p[3]*x + p[4]*y + p[5]) / w}
	offBed := d.offSurface(pos)
	if d.trace == nil {
		// Untraced, a rejected candidate's measurements go unused: the
		// tests that need only the fitted circle come first, before the
		// disc is sampled (the reason may then differ from the traced
		// order's, the verdict never does).
		switch {
		case !ok && rejectUnfitted:
			return b, fit, ev, "no outline"
		case !d.bf.canCentre(pos.X, pos.Y):
			return b, fit, ev, "position"
		case support < jawSupport && offBed:
			return b, fit, ev, "jaw"
		}
	}
	// Confidence: edge support around the outline, the distance-transform
	// peak's size against a ball's, and the class reading.
	shape := math.Min(1, c.d/d.bf.rw)
	step := discStep(r)
	l := lookStep(im, x, y, r, cloth, step)
	cls, num, cconf := classify(l, 1.15)
	conf := 0.45*support + 0.25*shape + 0.3*cconf
	if !ok {
		conf *= 0.6
	}
	if step > 1 && (l.shading < lookAgainShading*minShading || math.Abs(conf-d.cfg.MinConfidence) < lookAgainConf) {
		// The checkerboard's sampling could tip this verdict: look at
		// every pixel (see sparseDiscR).
		l = lookStep(im, x, y, r, cloth, 1)
		cls, num, cconf = classify(l, 1.15)
		conf = 0.45*support + 0.25*shape + 0.3*cconf
		if !ok {
			conf *= 0.6
		}
	}
	b = model.BallDetection{Pixel: model.Pixel{X: x, Y: y}, RadiusPx: rad, Class: cls, Confidence: conf}
	if num >= 0 {
		n := num
		b.Number = &n
	}
	b.Pos = &pos
	switch {
	case !ok && rejectUnfitted:
		why = "no outline"
	case l.shading < minShading:
		why = "flat" // cloth, not a lit sphere
	case !d.bf.canCentre(pos.X, pos.Y):
		// In the nose's shadow along a cushion, over a rail, or down a
		// pocket's hole: no ball on the table is centred there.
		why = "position"
	case support < jawSupport && offBed:
		// Centred past the cushion noses, in a pocket's throat, without
		// an outline: the dark hole itself reads as the eight. A ball in
		// the jaws shows its lit top and limb against the hole.
		why = "jaw"
	case conf < d.cfg.MinConfidence:
		why = "confidence"
	}
	if why != "" && d.trace == nil {
		return b, fit, ev, why // the evidence is for the false-ball tests and the trace only
	}
	if d.trace == nil && why == "" {
		// A duplicate that loses findBalls' test to the ball it overlaps
		// is dropped whatever the false-ball tests say (better reads
		// only the support, confidence and black share, all known here):
		// their evidence (a quarter of a busy frame's candidates are such
		// duplicates) would go unused.
		if i := sameBall(found, &b); i >= 0 && !better(support, conf, l.black, d.support[i], found[i].Confidence, d.black[i]) {
			return b, fit, ev, "duplicate"
		}
	}
	ev = gatherEvidence(im, &tf.felt, x, y, r, cloth)
	ev.fitted, ev.support, ev.shading, ev.vote, ev.black = ok, support, l.shading, c.d/d.bf.rw, l.black
	if ok {
		ev.rms, ev.size = fit.rms/r, fit.free/r
	}
	if why == "" {
		why = d.falseBall(im, tf, &b, fit, ev, cloth)
	}
	return b, fit, ev, why
}

// polish moves each named ball's centre onto its own outline
// (polishCircle), once everything that reads the ball (size learning,
// naming, the cue) has used the first fit's circle, which those steps are
// tuned on. The radius stays the first fit's.
func (d *Detector) polish(im *img, tf *tableFit, balls []model.BallDetection) {
	for i := range balls {
		b := &balls[i]
		if b.RadiusPx < polishMinRadius {
			continue
		}
		c := polishCircle(im, &tf.felt, balls, i, circleFit{x: b.Pixel.X, y: b.Pixel.Y, rad: b.RadiusPx}, b.RadiusPx)
		if !c.ok {
			continue
		}
		b.Pixel = model.Pixel{X: c.x, Y: c.y}
		p := tf.h
		w := p[6]*c.x + p[7]*c.y + p[8]
		b.Pos = &model.Vec2{X: (p[0]*c.x + p[1]*c.y + p[2]) / w, Y: (p[3]*c.x + p[4]*c.y + p[5]) / w}
	}
}

// polishMinRadius (px) is the smallest ball polish moves: below it the
// edge blur is as wide as the search window, and the first fit did better
// on the real set shrunk 3x (TestRealSetSmall).
const polishMinRadius = 10

// name gives the frame's balls their class and number together (see
// identifier): each number at most once, by least total cost.
func (d *Detector) name(im *img, tf *tableFit, balls []model.BallDetection) {
	d.prepareNames(tf, balls)
	d.id.name(im, balls, d.cloth, d.trust, d.balls(), d.nameConf)
}

// prepareNames sets the namer's per-ball inputs: the cloth around each
// ball and how sure each is a ball.
func (d *Detector) prepareNames(tf *tableFit, balls []model.BallDetection) {
	n := len(balls)
	if cap(d.cloth) < n {
		d.cloth = make([][3]float64, n)
		d.trust = make([]float64, n)
		d.nameConf = make([]float64, n)
	}
	d.cloth, d.trust, d.nameConf = d.cloth[:n], d.trust[:n], d.nameConf[:n]
	for i := range balls {
		b := &balls[i]
		d.cloth[i] = d.bf.clothAt(b.Pos, &tf.felt)
		d.trust[i] = b.Confidence
		if b.Pos == nil || d.offBed(b) {
			d.trust[i] = 0 // off the playing surface (in a pocket's jaws at most)
		}
	}
}

// nameAt names balls given by their circles (Pixel, RadiusPx) in frame f,
// with the table and cloth the last Detect learned from f: the identities
// the detector would give balls found there. It fills Pos, Class, Number.
func (d *Detector) nameAt(f *model.Frame, balls []model.BallDetection) error {
	tf := d.table
	if tf == nil {
		return errors.New("vision: no table found in the frame")
	}
	placeGiven(tf, balls)
	im := img{pix: f.Pix, w: f.Width, h: f.Height}
	d.name(&im, tf, balls)
	report(tf, balls, nil)
	return nil
}

// placeGiven sets Pos (through the table's homography) and a sure
// Confidence on balls a person or a caller gave by their circles.
func placeGiven(tf *tableFit, balls []model.BallDetection) {
	for i := range balls {
		b := &balls[i]
		x, y := tf.h.apply(b.Pixel.X, b.Pixel.Y)
		b.Pos = &model.Vec2{X: x, Y: y}
		b.Confidence = 1
	}
}

// String is for logs.
func (d *Detector) String() string { return fmt.Sprintf("detector(table=%v)", d.table != nil) }

// dropOnCue removes detections that sit on the stick or the bridge hand,
// from the butt to half a ball radius past the tip: any centred on the line
// without a whole outline (a knuckle under the stick looks round, the white
// ferrule at the tip too, and the pale maple over a sleeve reads as the
// cue ball; a ball there would be hidden by the stick anyway), those within
// 1.8 radii without a round outline, and, where the bridge hand is (the
// last bridgeReach before the tip), those within 3.5 radii joined to the
// stick's blob (fingers: onStick). The cue ball at the tip is never dropped
// (the tip touches it), nor is a ball outlined all round: the stick cannot
// be over it. support is parallel to balls.
// bridgeReach is how far behind the tip the bridge hand's fingers reach,
// metres: the fingers of a bridge 15-20 cm long, spread ~8 cm around it.
const bridgeReach = 0.25

func dropOnCue(balls []model.BallDetection, support []float64, c *model.CueAim, onStick func(*model.BallDetection) bool) []model.BallDetection {
	dx, dy := c.Tip.X-c.Butt.X, c.Tip.Y-c.Butt.Y
	l := math.Hypot(dx, dy)
	if l == 0 {
		return balls
	}
	ux, uy := dx/l, dy/l
	out := balls[:0]
	for i := range balls {
		b := &balls[i]
		t := (b.Pixel.X-c.Butt.X)*ux + (b.Pixel.Y-c.Butt.Y)*uy
		across := math.Abs((b.Pixel.X-c.Butt.X)*uy - (b.Pixel.Y-c.Butt.Y)*ux)
		r := b.RadiusPx
		atTip := t > l-r
		whole := support[i] >= 0.9
		switch {
		case b.Class == model.ClassCue && atTip, whole:
		case t > 0 && t < l+0.5*r && across < 0.8*r:
			continue
		case t > 0 && t < l-r && support[i] < roundSupport && across < 1.8*r:
			continue
		case t > l-bridgeReach/model.BallRadius*r && t < l && across < 3.5*r && onStick(b):
			continue
		}
		out = append(out, *b)
	}
	return out
}

var rejectUnfitted = os.Getenv("CUECAST_REJECT_UNFITTED") != ""
