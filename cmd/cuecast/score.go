package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/cuecast/cuecast/edge/atomicfile"
	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/labels"
	"github.com/cuecast/cuecast/edge/labels/evaluate"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/vision"
)

// runScore is `cuecast detect --score`: the detector, with the same options
// as for images, on every frame of the label files, scored per source and
// ball size (docs/vision-real.md). Exit 2 on an unreadable or invalid label
// file or a picture that changed since it was labelled, 1 when a frame
// cannot be decoded or detected.
func runScore(cfg config.Vision, geo model.TableGeometry, so scoreOptions, files []string) int {
	data, debugOut := so.data, so.debugOut
	var sets []*labels.Set
	for _, f := range files {
		s, err := labels.Load(f)
		if err != nil {
			fmt.Fprintf(os.Stderr, "cuecast detect: %v\n", err)
			return 2
		}
		if err := s.Verify(data); err != nil {
			fmt.Fprintf(os.Stderr, "cuecast detect: %s: %v (is --data %s the folder the label paths start from?)\n", f, err, data)
			return 2
		}
		sets = append(sets, s)
	}
	o := evaluate.Options{Vision: cfg, Table: geo, Venue: so.venue}
	if so.teach != "" {
		v, err := teachFrom(o, data, sets, so.teach)
		if err != nil {
			fmt.Fprintf(os.Stderr, "cuecast detect: --teach: %v\n", err)
			return 2
		}
		fmt.Fprintf(os.Stderr, "cuecast detect: taught %d ball numbers from %s; scoring the other frames with them\n", len(v.Balls), so.teach)
		if so.venueOut != "" {
			b, _ := json.MarshalIndent(v, "", "  ")
			if err := atomicfile.Write(so.venueOut, append(b, '\n'), 0o644); err != nil {
				fmt.Fprintf(os.Stderr, "cuecast detect: --venue-out: %v\n", err)
				return 1
			}
		}
		o.Venue = v
	}
	o.Shrink = so.shrink
	if so.explain {
		o.Explain = func(lf *labels.Frame, c vision.Candidate) {
			label := ""
			if c.Reason == "" {
				label = labelAt(lf, &c.Ball)
			}
			printCandidate(os.Stderr, lf.Key(), c, label)
		}
		o.ExplainNames = func(lf *labels.Frame, n vision.Naming) {
			printNaming(os.Stderr, lf.Key(), n, labelNameAt(lf, &n.Ball))
		}
		o.ExplainTable = func(lf *labels.Frame, s string) {
			fmt.Fprintf(os.Stderr, "%s table: %s\n", lf.Key(), s)
		}
	}
	if debugOut != "" {
		o.Frame = func(lf *labels.Frame, f *model.Frame, det *model.Detection) error {
			name := strings.NewReplacer("/", "_", "#", "_").Replace(lf.Key()) + ".detect.png"
			return vision.WriteAnnotated(filepath.Join(debugOut, name), f, det)
		}
	}
	rep, err := evaluate.Run(data, sets, o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "cuecast detect: %v\n", err)
		return 1
	}
	rep.WriteTable(os.Stdout)
	if so.details {
		fmt.Println()
		rep.WriteDetails(os.Stdout)
	}
	return 0
}

// labelNameAt is what the labels name the ball at b's place, with "wrong"
// where the detector's class or number differs from it (--explain's
// naming lines).
func labelNameAt(lf *labels.Frame, b *model.BallDetection) string {
	l := labelUnder(lf, b)
	if l == nil {
		return "no labelled ball"
	}
	what := "labelled " + string(l.Class)
	if l.Number != nil {
		what += fmt.Sprintf(" %d", *l.Number)
	}
	if l.Class != labels.ClassOther && (l.Class != b.Class || l.Number != nil && (b.Number == nil || *b.Number != *l.Number)) {
		what += ": wrong"
	}
	return what
}

// scoreOptions are `cuecast detect --score`'s own flags.
type scoreOptions struct {
	data, debugOut string
	details        bool
	explain        bool          // --explain: every candidate and the verdict on it
	venue          *vision.Venue // --venue: every frame named by it
	teach          string        // --teach: the frame key to teach from
	venueOut       string
	shrink         int // --shrink: frames and labels shrunk this many times
}

// teachFrom teaches a venue from the labelled frame key and removes that
// frame from its set in sets (it is not scored: teaching on a frame and
// scoring on it would flatter).
func teachFrom(o evaluate.Options, data string, sets []*labels.Set, key string) (*vision.Venue, error) {
	for si, s := range sets {
		for i := range s.Frames {
			if s.Frames[i].Key() != key {
				continue
			}
			v, rest, err := evaluate.TeachOn(o, data, s, i)
			if err != nil {
				return nil, err
			}
			sets[si] = rest
			return v, nil
		}
	}
	return nil, fmt.Errorf("no labelled frame %q in the label files (a frame's key is its image path, with #N for a video frame)", key)
}

// labelAt says what the labels of lf put under detection b: a ball, an
// occluded ball, or none (a false ball).
func labelAt(lf *labels.Frame, b *model.BallDetection) string {
	l := labelUnder(lf, b)
	switch {
	case l == nil:
		return "no labelled ball: false"
	case l.Occluded:
		return "labelled occluded " + string(l.Class)
	}
	return "labelled " + string(l.Class)
}

// labelUnder is the labelled ball of lf nearest detection b, by the
// scoring's rule (centre within 0.6 r of the label's), nil when none.
func labelUnder(lf *labels.Frame, b *model.BallDetection) *labels.Ball {
	var best *labels.Ball
	bestD := math.Inf(1)
	for i := range lf.Balls {
		l := &lf.Balls[i]
		if d := math.Hypot(l.X-b.Pixel.X, l.Y-b.Pixel.Y); d <= 0.6*l.R && d < bestD {
			best, bestD = l, d
		}
	}
	return best
}
