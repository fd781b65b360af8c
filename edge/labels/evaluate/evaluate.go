// Package evaluate runs the real detector over labelled frames and scores
// it (edge/labels): the harness behind `cuecast detect --score` and the
// real-set accuracy tests. It imports edge/vision (cgo); edge/labels itself
// stays pure Go.
//
// Each frame gets a fresh detector, as `cuecast detect` gives each image:
// every frame may show a different table, so nothing is cached across them.
// Run is single-goroutine; it holds nothing after it returns.
package evaluate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/labels"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/vision"
)

// Options are the detector's settings, those `cuecast detect` uses by
// default unless changed.
type Options struct {
	Vision config.Vision
	Table  model.TableGeometry
	// Verify checks each file's SHA-256 against its label first.
	Verify bool
	// Frame, when set, is called with each frame's pixels and detection
	// (e.g. to write annotated images); the frame is valid during the call.
	Frame func(lf *labels.Frame, f *model.Frame, det *model.Detection) error
	// Venue, when set, is the taught ball colours every detector names
	// by (vision.Venue); nil names by the built-in ones.
	Venue *vision.Venue
	// Explain, when set, is called with every ball candidate the detector
	// judged on each frame and its verdict (vision.DetectorOptions.Explain;
	// cuecast detect --score --explain).
	Explain func(lf *labels.Frame, c vision.Candidate)
	// ExplainNames, when set, is called with how every ball of each frame
	// was named (vision.DetectorOptions.ExplainNames).
	ExplainNames func(lf *labels.Frame, n vision.Naming)
	// ExplainTable, when set, is called with where each frame's reported
	// table corners came from (vision.DetectorOptions.ExplainTable).
	ExplainTable func(lf *labels.Frame, s string)
	// Shrink, when above 1, scores every frame shrunk that many times
	// (labels.ShrinkFrame) against its labels shrunk alike: balls below
	// 10 px from a set whose balls are all larger.
	Shrink int

	explain      func(vision.Candidate) // Explain bound to the frame in hand
	explainNames func(vision.Naming)    // ExplainNames bound to it
	explainTable func(string)           // ExplainTable bound to it
}

// DefaultOptions are `cuecast detect`'s defaults: a 9 ft table, the default
// vision config, one OpenCV thread, files verified.
func DefaultOptions() Options {
	v := config.Default().Vision
	v.Threads = 1
	return Options{Vision: v, Table: model.Standard(model.Table9ft), Verify: true}
}

// Run detects every frame of every set (images under root) and scores it.
func Run(root string, sets []*labels.Set, o Options) (*labels.Report, error) {
	r := &labels.Report{}
	for _, s := range sets {
		if o.Verify {
			if err := s.Verify(root); err != nil {
				return nil, err
			}
		}
		src := r.Source(s.Source)
		var small model.Frame
		err := Frames(root, s, func(lf *labels.Frame, f *model.Frame) error {
			if o.Shrink > 1 {
				if err := labels.ShrinkFrame(&small, f, o.Shrink); err != nil {
					return fmt.Errorf("%s: %w", lf.Key(), err)
				}
				shrunk := lf.Shrunk(o.Shrink)
				lf, f = &shrunk, &small
			}
			var det model.Detection
			fo := o
			if o.Explain != nil {
				fo.explain = func(c vision.Candidate) { o.Explain(lf, c) }
			}
			if o.ExplainNames != nil {
				fo.explainNames = func(n vision.Naming) { o.ExplainNames(lf, n) }
			}
			if o.ExplainTable != nil {
				fo.explainTable = func(s string) { o.ExplainTable(lf, s) }
			}
			if err := Detect(fo, f, &det); err != nil {
				return fmt.Errorf("%s: %w", lf.Key(), err)
			}
			if o.Frame != nil {
				if err := o.Frame(lf, f, &det); err != nil {
					return err
				}
			}
			src.Add(labels.ScoreFrame(lf, &det))
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Detect runs a fresh detector on one frame.
func Detect(o Options, f *model.Frame, det *model.Detection) error {
	d, err := vision.NewDetector(o.Vision, vision.DetectorOptions{Table: o.Table, Venue: o.Venue, Stills: true, Explain: o.explain, ExplainNames: o.explainNames, ExplainTable: o.explainTable})
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Detect(f, det)
}

// TeachBalls is what a labelled frame teaches a venue from: every ball
// with a number that is not marked occluded (a partly hidden ball's colour
// is partly something else's), on its labelled circle.
func TeachBalls(lf *labels.Frame) []vision.TeachBall {
	var balls []vision.TeachBall
	for _, b := range lf.Balls {
		if b.Occluded || b.Number == nil {
			continue
		}
		p := model.Pixel{X: b.X + 0.5, Y: b.Y + 0.5} // labels.FromDetection undone
		balls = append(balls, vision.TeachBall{Pixel: p, Radius: b.R, Number: *b.Number})
	}
	return balls
}

// Teach measures a venue from one labelled frame (TeachBalls) with a
// fresh detector.
func Teach(o Options, lf *labels.Frame, f *model.Frame) (*vision.Venue, error) {
	balls := TeachBalls(lf)
	if len(balls) == 0 {
		return nil, fmt.Errorf("%s: no numbered ball to teach from", lf.Key())
	}
	d, err := vision.NewDetector(o.Vision, vision.DetectorOptions{Table: o.Table})
	if err != nil {
		return nil, err
	}
	defer d.Close()
	v, err := d.Teach(f, balls)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", lf.Key(), err)
	}
	v.Source = lf.Key()
	return v, nil
}

// Frames decodes each labelled frame of s in order and calls fn with it;
// frames of one video are decoded in a single pass. The frame passed to fn
// is reused afterwards.
func Frames(root string, s *labels.Set, fn func(lf *labels.Frame, f *model.Frame) error) error {
	var f model.Frame
	videos := map[string][]int{} // video -> indices into s.Frames
	var order []string
	for i := range s.Frames {
		lf := &s.Frames[i]
		if lf.VideoFrame != nil {
			if _, ok := videos[lf.Image]; !ok {
				order = append(order, lf.Image)
			}
			videos[lf.Image] = append(videos[lf.Image], i)
			continue
		}
		if err := vision.ReadImage(filepath.Join(root, lf.Image), &f); err != nil {
			return err
		}
		if err := checkSize(lf, &f); err != nil {
			return err
		}
		if err := fn(lf, &f); err != nil {
			return err
		}
	}
	for _, v := range order {
		idx := videos[v]
		slices.SortFunc(idx, func(a, b int) int { return *s.Frames[a].VideoFrame - *s.Frames[b].VideoFrame })
		if err := videoFrames(filepath.Join(root, v), s, idx, &f, fn); err != nil {
			return err
		}
	}
	return nil
}

func videoFrames(path string, s *labels.Set, idx []int, f *model.Frame, fn func(*labels.Frame, *model.Frame) error) error {
	// 240 fps: the file source's pacer then never waits on a decoder
	// slower than that.
	v, err := vision.OpenVideoFile(path, false, 240)
	if err != nil {
		return err
	}
	defer v.Close()
	n := 0
	for _, i := range idx {
		lf := &s.Frames[i]
		for ; n <= *lf.VideoFrame; n++ {
			if err := v.Read(context.Background(), f); err != nil {
				if errors.Is(err, io.EOF) {
					return fmt.Errorf("%s: the video has only %d frames", lf.Key(), n)
				}
				return fmt.Errorf("%s: %w", lf.Key(), err)
			}
		}
		if err := checkSize(lf, f); err != nil {
			return err
		}
		if err := fn(lf, f); err != nil {
			return err
		}
	}
	return nil
}

// TeachOn teaches a venue from frame i of s (images under root) and
// returns it with s less that frame: the frames to score it on (scoring
// on the frame taught from would flatter).
func TeachOn(o Options, root string, s *labels.Set, i int) (*vision.Venue, *labels.Set, error) {
	return TeachOnFrames(o, root, s, []int{i})
}

// TeachOnFrames teaches a venue from the frames idx of s, each with a
// fresh detector, pools what they taught (vision.PoolVenues) and returns
// it with s less those frames.
func TeachOnFrames(o Options, root string, s *labels.Set, idx []int) (*vision.Venue, *labels.Set, error) {
	if len(idx) == 0 {
		return nil, nil, errors.New("evaluate: no frame to teach from")
	}
	pick := *s
	pick.Frames = nil
	taught := map[int]bool{}
	for _, i := range idx {
		if i < 0 || i >= len(s.Frames) || taught[i] {
			return nil, nil, fmt.Errorf("evaluate: frame %d to teach from: out of range or repeated", i)
		}
		taught[i] = true
		pick.Frames = append(pick.Frames, s.Frames[i])
	}
	var vs []*vision.Venue
	err := Frames(root, &pick, func(lf *labels.Frame, f *model.Frame) error {
		v, err := Teach(o, lf, f)
		vs = append(vs, v)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	v := vs[0]
	if len(vs) > 1 {
		if v, err = vision.PoolVenues(vs); err != nil {
			return nil, nil, err
		}
	}
	rest := *s
	rest.Frames = nil
	for i := range s.Frames {
		if !taught[i] {
			rest.Frames = append(rest.Frames, s.Frames[i])
		}
	}
	return v, &rest, nil
}

// checkSize: labels drawn at one size say nothing about another. A frame
// not yet measured (width 0, a tool drafting new labels) passes.
func checkSize(lf *labels.Frame, f *model.Frame) error {
	if lf.Width != 0 && (f.Width != lf.Width || f.Height != lf.Height) {
		return fmt.Errorf("%s: decoded %dx%d, labelled %dx%d", lf.Key(), f.Width, f.Height, lf.Width, lf.Height)
	}
	return nil
}
