package labels

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/cuecast/cuecast/edge/model"
)

// SmallRadius splits the figures: balls of radius >= SmallRadius pixels
// ("large", the size a product camera gives) and below it ("small").
const SmallRadius = 10.0

// MatchFraction: a detection finds a labelled ball when its centre lies
// within this fraction of the ball's radius of the labelled centre (as the
// simulator's accuracy test counts).
const MatchFraction = 0.6

// Measures are one size class's figures over some frames.
type Measures struct {
	Labelled   int       // balls not occluded: the ones recall counts
	Found      int       // of those, matched by a detection
	Detections int       // detections in this size class
	True       int       // of those, matched to a labelled ball (occluded or not)
	Errors     []float64 `json:"-"` // centre errors of found balls, pixels
	ClassN     int       // found balls with a pool class (cue, solid, stripe, eight)
	ClassOK    int
	NumberN    int // found balls with a labelled number
	NumberOK   int
}

// Recall is Found/Labelled (1 when nothing was labelled).
func (m *Measures) Recall() float64 { return ratio(m.Found, m.Labelled) }

// Precision is True/Detections (1 when nothing was detected).
func (m *Measures) Precision() float64 { return ratio(m.True, m.Detections) }

// ClassAccuracy is ClassOK/ClassN.
func (m *Measures) ClassAccuracy() float64 { return ratio(m.ClassOK, m.ClassN) }

// NumberAccuracy is NumberOK/NumberN.
func (m *Measures) NumberAccuracy() float64 { return ratio(m.NumberOK, m.NumberN) }

// MedianError is the median centre error of the found balls (NaN when none).
func (m *Measures) MedianError() float64 { return quantile(m.Errors, 0.5) }

// P90Error is the 90th percentile of the centre error (NaN when none).
func (m *Measures) P90Error() float64 { return quantile(m.Errors, 0.9) }

func (m *Measures) add(o *Measures) {
	m.Labelled += o.Labelled
	m.Found += o.Found
	m.Detections += o.Detections
	m.True += o.True
	m.Errors = append(m.Errors, o.Errors...)
	m.ClassN += o.ClassN
	m.ClassOK += o.ClassOK
	m.NumberN += o.NumberN
	m.NumberOK += o.NumberOK
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	i := q * float64(len(s)-1)
	lo := int(i)
	if lo+1 >= len(s) {
		return s[lo]
	}
	return s[lo] + (i-float64(lo))*(s[lo+1]-s[lo])
}

// FrameScore is one frame's outcome.
type FrameScore struct {
	Key          string
	Large, Small Measures
	// Missed are the labelled balls (not occluded) no detection found;
	// False the detections that match no labelled ball; Wrong the found
	// balls whose class or number is wrong ("label -> detection").
	Missed []Ball
	False  []model.BallDetection
	Wrong  []string
	// CornerErr is the largest distance from a labelled table corner to the
	// nearest detected one, as a percentage of the table's diagonal; NaN
	// when the frame has no labelled table, +Inf when none was detected.
	CornerErr float64
	// EmptyFalse is the number of detections on a frame labelled empty.
	Empty      bool
	EmptyFalse int
}

// SourceScore is the figures over one label set.
type SourceScore struct {
	Source       string
	Frames       []FrameScore
	Large, Small Measures
	// CornerErrs are the frames' corner errors (% of the diagonal) where a
	// table was labelled; NoTable counts those where none was detected.
	CornerErrs []float64
	NoTable    int
	// EmptyFrames and EmptyFalse: frames labelled empty and the detections
	// on them.
	EmptyFrames, EmptyFalse int
}

// MedianCorner is the median of the frames' corner errors, % of the diagonal.
func (s *SourceScore) MedianCorner() float64 { return quantile(s.CornerErrs, 0.5) }

// MaxCorner is the worst frame's corner error, % of the diagonal (+Inf
// when a labelled table was not found).
func (s *SourceScore) MaxCorner() float64 {
	if s.NoTable > 0 {
		return math.Inf(1)
	}
	if len(s.CornerErrs) == 0 {
		return math.NaN()
	}
	return slices.Max(s.CornerErrs)
}

// ScoreFrame compares one frame's detection with its labels.
func ScoreFrame(f *Frame, det *model.Detection) FrameScore {
	fs := FrameScore{Key: f.Key(), CornerErr: math.NaN(), Empty: f.Empty}
	bucket := func(r float64) *Measures {
		if r >= SmallRadius {
			return &fs.Large
		}
		return &fs.Small
	}
	// Greedy matching, closest pairs first: with balls at least a diameter
	// apart and a match radius of 0.6 r this is the optimal assignment.
	type pair struct {
		l, d int
		e    float64
	}
	var pairs []pair
	for i, b := range f.Balls {
		for j, d := range det.Balls {
			if e := math.Hypot(d.Pixel.X-b.X, d.Pixel.Y-b.Y); e <= MatchFraction*b.R {
				pairs = append(pairs, pair{i, j, e})
			}
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int { return cmp.Compare(a.e, b.e) })
	lab := make([]int, len(f.Balls))
	for i := range lab {
		lab[i] = -1
	}
	detTaken := make([]bool, len(det.Balls))
	for _, p := range pairs {
		if lab[p.l] >= 0 || detTaken[p.d] {
			continue
		}
		lab[p.l] = p.d
		detTaken[p.d] = true
	}
	for i, b := range f.Balls {
		m := bucket(b.R)
		j := lab[i]
		if j >= 0 {
			m.Detections++
			m.True++
		}
		if b.Occluded {
			continue
		}
		m.Labelled++
		if j < 0 {
			fs.Missed = append(fs.Missed, b)
			continue
		}
		d := &det.Balls[j]
		m.Found++
		m.Errors = append(m.Errors, math.Hypot(d.Pixel.X-b.X, d.Pixel.Y-b.Y))
		wrong := false
		if b.Class != ClassOther {
			m.ClassN++
			if d.Class == b.Class {
				m.ClassOK++
			} else {
				wrong = true
			}
		}
		if b.Number != nil {
			m.NumberN++
			if d.Number != nil && *d.Number == *b.Number {
				m.NumberOK++
			} else {
				wrong = true
			}
		}
		if wrong {
			fs.Wrong = append(fs.Wrong, fmt.Sprintf("(%.0f,%.0f) %s -> %s", b.X, b.Y, ballName(b.Class, b.Number), ballName(d.Class, d.Number)))
		}
	}
	for j, d := range det.Balls {
		if detTaken[j] {
			continue
		}
		m := bucket(d.RadiusPx)
		m.Detections++
		fs.False = append(fs.False, d)
		if f.Empty {
			fs.EmptyFalse++
		}
	}
	if f.Table != nil {
		fs.CornerErr = cornerError(f.Table, det.Table)
	}
	return fs
}

func ballName(c model.Class, n *int) string {
	if n == nil {
		return string(c)
	}
	return fmt.Sprintf("%s %d", c, *n)
}

// cornerError is the largest distance from a labelled corner to the nearest
// detected corner, in % of the labelled diagonal. Nearest, not same index:
// the corners are a table length apart, and a detector that starts the
// order at the other end of a portrait table is still right about where
// the table is.
func cornerError(l *Table, d *model.TableDetection) float64 {
	if d == nil {
		return math.Inf(1)
	}
	worst := 0.0
	for _, c := range l.Corners {
		best := math.Inf(1)
		for _, dc := range d.Corners {
			best = math.Min(best, dist(c, dc))
		}
		worst = math.Max(worst, best)
	}
	return 100 * worst / l.Diagonal()
}

// Add puts a frame's outcome into the source's figures.
func (s *SourceScore) Add(fs FrameScore) {
	s.Frames = append(s.Frames, fs)
	s.Large.add(&fs.Large)
	s.Small.add(&fs.Small)
	switch {
	case math.IsInf(fs.CornerErr, 1):
		s.NoTable++
	case !math.IsNaN(fs.CornerErr):
		s.CornerErrs = append(s.CornerErrs, fs.CornerErr)
	}
	if fs.Empty {
		s.EmptyFrames++
		s.EmptyFalse += fs.EmptyFalse
	}
}

// Report is the figures over several sources.
type Report struct {
	Sources []*SourceScore
}

// Source returns the named source's figures, adding it when new.
func (r *Report) Source(name string) *SourceScore {
	for _, s := range r.Sources {
		if s.Source == name {
			return s
		}
	}
	s := &SourceScore{Source: name}
	r.Sources = append(r.Sources, s)
	return s
}

// Total is every source's frames together.
func (r *Report) Total() *SourceScore {
	t := &SourceScore{Source: "all"}
	for _, s := range r.Sources {
		for _, f := range s.Frames {
			t.Add(f)
		}
	}
	return t
}

// WriteTable prints one line per source and size class, then the total.
func (r *Report) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "%-42s %-5s %6s %9s %9s %7s %6s %10s %10s %12s %6s\n",
		"source", "size", "frames", "recall", "precision", "median", "p90", "class", "number", "corners %", "empty")
	line := func(s *SourceScore) {
		for _, sz := range []struct {
			name string
			m    *Measures
		}{{">=10", &s.Large}, {"<10", &s.Small}} {
			m := sz.m
			if m.Labelled == 0 && m.Detections == 0 {
				continue
			}
			corners := "-"
			if len(s.CornerErrs) > 0 || s.NoTable > 0 {
				corners = fmt.Sprintf("%.2f/%.2f", s.MedianCorner(), s.MaxCorner())
				if s.NoTable > 0 {
					corners += fmt.Sprintf("+%dnf", s.NoTable)
				}
			}
			empty := "-"
			if s.EmptyFrames > 0 {
				empty = fmt.Sprintf("%d/%d", s.EmptyFalse, s.EmptyFrames)
			}
			fmt.Fprintf(w, "%-42s %-5s %6d %4.3f %3d %4.3f %3d %8s %5s %4.2f %3d %4.2f %3d %12s %6s\n",
				trimSource(s.Source), sz.name, len(s.Frames), m.Recall(), m.Labelled, m.Precision(), m.Detections,
				px(m.MedianError(), "px"), px(m.P90Error(), ""), m.ClassAccuracy(), m.ClassN, m.NumberAccuracy(), m.NumberN, corners, empty)
		}
	}
	for _, s := range r.Sources {
		line(s)
	}
	line(r.Total())
	fmt.Fprintln(w, "recall/precision: value and count of labelled balls/detections; class/number: accuracy and count scored;")
	fmt.Fprintln(w, "corners: median/max over frames of the worst corner's distance, % of the table diagonal (nf: table not found);")
	fmt.Fprintln(w, "empty: false balls / frames labelled empty")
}

// WriteDetails prints, per frame, the misses, false balls and wrong names.
func (r *Report) WriteDetails(w io.Writer) {
	for _, s := range r.Sources {
		for _, f := range s.Frames {
			if len(f.Missed) == 0 && len(f.False) == 0 && len(f.Wrong) == 0 && !(f.CornerErr > 0.3) {
				continue
			}
			fmt.Fprintf(w, "%s:", f.Key)
			if !math.IsNaN(f.CornerErr) {
				fmt.Fprintf(w, " corners %.2f%%", f.CornerErr)
			}
			for _, b := range f.Missed {
				fmt.Fprintf(w, " missed %s at (%.0f,%.0f) r %.1f;", ballName(b.Class, b.Number), b.X, b.Y, b.R)
			}
			for _, d := range f.False {
				fmt.Fprintf(w, " false %s at (%.0f,%.0f) r %.1f;", ballName(d.Class, d.Number), d.Pixel.X, d.Pixel.Y, d.RadiusPx)
			}
			if len(f.Wrong) > 0 {
				fmt.Fprintf(w, " wrong %s", strings.Join(f.Wrong, ", "))
			}
			fmt.Fprintln(w)
		}
	}
}

func px(v float64, unit string) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%.2f%s", v, unit)
}

func trimSource(s string) string {
	s = strings.TrimPrefix(s, "overhead/")
	if len(s) > 42 {
		s = s[:42]
	}
	return s
}
