package vision

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"sync"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
	"gocv.io/x/gocv"
)

// DetectorOptions are a Detector's dependencies beyond its config section.
type DetectorOptions struct {
	// Table is the playing surface's geometry (size and pockets); zero
	// means a 9 ft table.
	Table model.TableGeometry
	// Calibration, when it holds fixed corners, replaces table finding.
	Calibration *Calibration
	Log         *slog.Logger
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
	// stickTest is d.touchesStick, bound once (a method value made per
	// frame would allocate).
	stickTest func(*model.BallDetection) bool
	rect      img // the rectified view of the current frame (ball finder's warp)

	mu    sync.Mutex // guards calib
	calib *Calibration
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
	d := &Detector{cfg: cfg, geo: o.Table, log: o.Log, size: size,
		tf: newTableFinder(size, cfg.CushionWidth), cue: newCueFinder()}
	d.bf = d.newBallFinder(model.BallRadius)
	if o.Calibration != nil {
		if err := d.SetCalibration(o.Calibration); err != nil {
			d.Close()
			return nil, err
		}
	}
	d.stickTest = d.touchesStick
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
	t0 := time.Now()
	frame, err := d.frame.load(f)
	if err != nil {
		return err
	}
	if u := d.lens(); u != nil {
		if frame, err = u.apply(frame); err != nil {
			return err
		}
	}
	pix, err := frame.DataPtrUint8()
	if err != nil {
		return fmt.Errorf("vision: detect: %w", err)
	}
	if err := d.updateTable(f, frame, pix); err != nil && d.table == nil {
		dst.Timings.TableMS = ms(time.Since(t0))
		d.perf.add(dst.Timings, 0)
		return nil // no table in view: an empty detection, not a failure
	}
	tf := d.table
	dst.Table = &model.TableDetection{Corners: tf.corners, Pockets: tf.pocketPixels(d.geo), H: tf.h}
	t1 := time.Now()
	dst.Timings.TableMS = ms(t1.Sub(t0))

	rp := d.bf.rectify(frame)
	d.rect = img{pix: rp, w: d.bf.w, h: d.bf.h}
	if !d.bf.fitted {
		d.bf.learnField(rp, &tf.felt)
	}
	cands := d.bf.candidates(rp, &tf.felt)
	im := img{pix: pix, w: f.Width, h: f.Height}
	d.support = d.support[:0]
	for _, c := range cands {
		b, support, ok := d.ball(&im, tf, c)
		if !ok || b.Confidence < d.cfg.MinConfidence {
			continue
		}
		// Two candidates can refine onto one ball (a vote peak beside a
		// distance peak), and two balls cannot be closer than 2 r: of two
		// detections within 1.5 r keep the one with the much better
		// outline (a whole circle beats a blob beside it), else the more
		// confident.
		dup := false
		for i := range dst.Balls {
			o := &dst.Balls[i]
			if math.Hypot(o.Pixel.X-b.Pixel.X, o.Pixel.Y-b.Pixel.Y) < 1.5*b.RadiusPx {
				dup = true
				if better(support, b.Confidence, d.support[i], o.Confidence) {
					*o = b
					d.support[i] = support
				}
				break
			}
		}
		if !dup {
			dst.Balls = append(dst.Balls, b)
			d.support = append(d.support, support)
		}
	}
	t2 := time.Now()
	dst.Timings.BallsMS = ms(t2.Sub(t1))
	dst.Cue = d.cue.find(d.bf, tf, dst.Balls, d.support)
	if dst.Cue != nil {
		dst.Balls = dropOnCue(dst.Balls, d.support, dst.Cue, d.stickTest)
	}
	dst.Timings.CueMS = ms(time.Since(t2))
	d.perf.add(dst.Timings, len(dst.Balls))
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// updateTable finds the table on the first frame and re-checks it every
// TableRecheck; with fixed corners it only learns the cloth once.
func (d *Detector) updateTable(f *model.Frame, frame gocv.Mat, pix []byte) error {
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
	fit, err := d.tf.find(frame, pix)
	if err != nil {
		d.tableMiss++
		if d.table != nil && d.tableMiss == 3 {
			d.log.Warn("table not found on re-check; keeping the last outline", "err", err)
		}
		return err
	}
	d.tableMiss = 0
	if d.table != nil && cornerShift(d.table.corners, fit.corners) < 1.5 {
		// Same table: keep the outline (no jitter in table coordinates)
		// but refresh the cloth's light field.
		d.bf.learnField(d.bf.rectify(frame), &d.table.felt)
		return nil
	}
	if d.table != nil {
		d.log.Info("table moved; re-fitted", "shift_px", cornerShift(d.table.corners, fit.corners))
	}
	d.setTable(&fit)
	if d.sf == nil {
		d.sf = newScaleFinder(model.Size{Length: d.geo.Length, Width: d.geo.Width})
	}
	rb, ok := d.sf.estimate(frame, &fit, d.geo)
	if debugNose {
		fmt.Fprintf(os.Stderr, "radius estimate %.4f m (x%.2f) ok %v scores %.2f\n", rb, rb/model.BallRadius, ok, d.sf.scores)
	}
	if ok {
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

// better says whether a detection with outline support sa and confidence
// ca should replace one with sb and cb on the same spot.
func better(sa, ca, sb, cb float64) bool {
	if math.Abs(sa-sb) > 0.25 {
		return sa > sb
	}
	return ca > cb
}

// touchesStick is dropOnCue's test for fingers.
func (d *Detector) touchesStick(b *model.BallDetection) bool { return d.cue.touchesStick(d.bf, b) }

func (d *Detector) setTable(fit *tableFit) {
	d.table = fit
	d.bf.setTable(fit, d.geo)
}

func cornerShift(a, b [4]model.Pixel) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Hypot(a[i].X-b[i].X, a[i].Y-b[i].Y))
	}
	return m
}

// ball refines and names one candidate.
func (d *Detector) ball(im *img, tf *tableFit, c cand) (model.BallDetection, float64, bool) {
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
	x, y, rad, support, ok := refineCircle(im, &tf.felt, fs, cx, cy, r, useDark)
	if !ok || support < 0.5 {
		// A ball the cloth's colour: find its outline by colour steps.
		if ex, ey, erad, esup, eok := refineByEdges(im, cx, cy, r); eok && esup > support {
			x, y, rad, support, ok = ex, ey, erad, esup, true
		}
	}
	if !ok {
		if rejectUnfitted {
			return model.BallDetection{}, 0, false
		}
		x, y, rad = cx, cy, r
	}
	l := look(im, x, y, r, cloth)
	if l.shading < minShading {
		return model.BallDetection{}, 0, false // flat: cloth, not a lit sphere
	}
	cls, num, cconf := classify(l, 1.15)
	// Confidence: edge support around the outline, the distance-transform
	// peak's size against a ball's, and the class reading.
	shape := math.Min(1, c.d/d.bf.rw)
	conf := 0.45*support + 0.25*shape + 0.3*cconf
	if !ok {
		conf *= 0.6
	}
	b := model.BallDetection{Pixel: model.Pixel{X: x, Y: y}, RadiusPx: rad, Class: cls, Confidence: conf}
	if num >= 0 {
		n := num
		b.Number = &n
	}
	p := tf.h
	w := p[6]*x + p[7]*y + p[8]
	b.Pos = &model.Vec2{X: (p[0]*x + p[1]*y + p[2]) / w, Y: (p[3]*x + p[4]*y + p[5]) / w}
	if support < jawSupport && (b.Pos.X < 0 || b.Pos.Y < 0 || b.Pos.X > d.geo.Length || b.Pos.Y > d.geo.Width) {
		// Centred past the cushion noses, in a pocket's throat, without
		// an outline: the dark hole itself reads as the eight. A ball in
		// the jaws shows its lit top and limb against the hole.
		return model.BallDetection{}, 0, false
	}
	return b, support, true
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
