package labels

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/cuecast/cuecast/edge/model"

	"github.com/cuecast/cuecast/edge/atomicfile"
)

// ClassOther is a ball that is none of the US pool classes: a snooker
// colour, a UK red or yellow, a carom ball. The detector cannot name it, so
// class and number accuracy leave it out; it still counts for recall,
// precision and centre error.
const ClassOther model.Class = "other"

// Ball sets a source may use (Set.BallSet).
const (
	BallSetUS      = "us"      // cue, 1-15 (solids, stripes, eight)
	BallSetSnooker = "snooker" // white (the cue ball) and colours ("other")
	BallSetUK      = "uk"      // pub pool: white, black (eight), reds and yellows ("other")
	BallSetCarom   = "carom"   // three balls: two cue balls and a red ("other")
)

// Set is the labels of one source: one JSON file.
type Set struct {
	// Source is the source's folder relative to the data root, e.g.
	// "overhead/yoavstrugo_perfectswish".
	Source string `json:"source"`
	// BallSet is the kind of balls (BallSetUS, ...).
	BallSet string `json:"ball_set"`
	// Notes says how the labels were made and anything a reader of the
	// figures should know (camera, table, what is hard).
	Notes  string  `json:"notes,omitempty"`
	Frames []Frame `json:"frames"`
}

// Frame is the labels of one image, or of one frame of a video.
type Frame struct {
	// Image is the file relative to the data root (a still image, or a
	// video when VideoFrame is set).
	Image string `json:"image"`
	// SHA256 is the hex SHA-256 of the file's bytes.
	SHA256 string `json:"sha256"`
	// VideoFrame is the 0-based index of the frame in decoding order, when
	// Image is a video.
	VideoFrame *int `json:"video_frame,omitempty"`
	Width      int  `json:"width"`
	Height     int  `json:"height"`
	// BallSet, when set, overrides the set's for this frame (a source
	// that shows several tables).
	BallSet string `json:"ball_set,omitempty"`
	// Empty: no ball on the table. Any detection is a false ball.
	Empty bool `json:"empty,omitempty"`
	// Table is the playing surface; nil when its corners are not in view.
	Table *Table `json:"table"`
	Balls []Ball `json:"balls"`
	Notes string `json:"notes,omitempty"`
}

// Table is the playing surface as the image shows it.
type Table struct {
	// Corners are the intersections of the cushion-nose lines, BL BR TR TL
	// (the table frame's order: the long rail lower in the image is the
	// bottom rail, origin at its left end).
	Corners [4]model.Pixel `json:"corners"`
	// Pockets are the centres of the pocket mouths on the nose lines, in
	// model.Standard's order (corner-bottom-left, side-bottom,
	// corner-bottom-right, corner-top-right, side-top, corner-top-left);
	// a corner pocket's is its table corner. Empty when not labelled.
	Pockets []model.Pixel `json:"pockets,omitempty"`
}

// Ball is one labelled ball.
type Ball struct {
	X float64 `json:"x"` // centre, image pixels; pixel centres at integers (OpenCV's convention)
	Y float64 `json:"y"`
	R float64 `json:"r"` // radius, pixels
	// Class is cue, solid, stripe, eight or other.
	Class model.Class `json:"class"`
	// Number is 0 for the cue ball, 1-15 for a numbered ball, nil when it
	// cannot be read or the ball has none.
	Number *int `json:"number"`
	// Occluded: partly hidden (hand, cue, frame edge, pocket) or blurred
	// past recognition. Not required for recall; a detection on it is not
	// a false ball.
	Occluded bool   `json:"occluded,omitempty"`
	Note     string `json:"note,omitempty"`
}

// Key names a frame uniquely within a data root: the image path, with
// "#N" for a video frame.
func (f *Frame) Key() string {
	if f.VideoFrame != nil {
		return fmt.Sprintf("%s#%d", f.Image, *f.VideoFrame)
	}
	return f.Image
}

// Diagonal is the mean length of the table's two diagonals, in pixels.
func (t *Table) Diagonal() float64 {
	c := &t.Corners
	return (dist(c[0], c[2]) + dist(c[1], c[3])) / 2
}

func dist(a, b model.Pixel) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }

// Load reads and validates a Set.
func Load(path string) (*Set, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	s, err := Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("labels: %s: %w", path, err)
	}
	return s, nil
}

// Decode reads a Set from JSON, refusing unknown fields, and validates it.
func Decode(r io.Reader) (*Set, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var s Set
	if err := dec.Decode(&s); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after the label set")
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// Validate checks that every value is in range and consistent: a bad label
// file is refused whole with a message naming the frame and the ball.
func (s *Set) Validate() error {
	if !validBallSet(s.BallSet) {
		return fmt.Errorf("ball_set %q: want us, snooker, uk or carom", s.BallSet)
	}
	seen := map[string]bool{}
	for i := range s.Frames {
		f := &s.Frames[i]
		if err := f.validate(); err != nil {
			return fmt.Errorf("frame %d (%s): %w", i, f.Key(), err)
		}
		if seen[f.Key()] {
			return fmt.Errorf("frame %d (%s): labelled twice", i, f.Key())
		}
		seen[f.Key()] = true
	}
	return nil
}

func validBallSet(b string) bool {
	switch b {
	case BallSetUS, BallSetSnooker, BallSetUK, BallSetCarom:
		return true
	}
	return false
}

// Validate checks one frame's labels alone (Set.Validate also refuses a
// frame labelled twice).
func (f *Frame) Validate() error { return f.validate() }

func (f *Frame) validate() error {
	if f.BallSet != "" && !validBallSet(f.BallSet) {
		return fmt.Errorf("ball_set %q: want us, snooker, uk or carom", f.BallSet)
	}
	if f.Image == "" || filepath.IsAbs(f.Image) || strings.HasPrefix(filepath.Clean(f.Image), "..") {
		return fmt.Errorf("image %q: want a path relative to the data root", f.Image)
	}
	if b, err := hex.DecodeString(f.SHA256); err != nil || len(b) != sha256.Size {
		return fmt.Errorf("sha256 %q: want 64 hex digits", f.SHA256)
	}
	if f.VideoFrame != nil && *f.VideoFrame < 0 {
		return fmt.Errorf("video_frame %d: want >= 0", *f.VideoFrame)
	}
	if f.Width <= 0 || f.Height <= 0 || f.Width > 1<<15 || f.Height > 1<<15 {
		return fmt.Errorf("size %dx%d: want 1..32768 each", f.Width, f.Height)
	}
	if f.Empty && len(f.Balls) > 0 {
		return fmt.Errorf("marked empty but has %d balls", len(f.Balls))
	}
	if t := f.Table; t != nil {
		if err := t.validate(f.Width, f.Height); err != nil {
			return fmt.Errorf("table: %w", err)
		}
	}
	for j, b := range f.Balls {
		if err := b.validate(f.Width, f.Height); err != nil {
			return fmt.Errorf("ball %d at (%.1f, %.1f): %w", j, b.X, b.Y, err)
		}
	}
	return nil
}

func (t *Table) validate(w, h int) error {
	margin := float64(max(w, h)) // corners may lie a little outside the image (cropped views)
	for i, c := range t.Corners {
		if !finite(c.X, c.Y) || c.X < -margin || c.Y < -margin || c.X > float64(w)+margin || c.Y > float64(h)+margin {
			return fmt.Errorf("corner %d (%.1f, %.1f) is far outside the image", i, c.X, c.Y)
		}
	}
	// BL BR TR TL walk counter-clockwise on screen: negative shoelace area
	// in y-down coordinates, and the quad must be convex.
	area := 0.0
	for i := 0; i < 4; i++ {
		a, b, c := t.Corners[i], t.Corners[(i+1)%4], t.Corners[(i+2)%4]
		area += a.X*b.Y - b.X*a.Y
		if cross := (b.X-a.X)*(c.Y-b.Y) - (b.Y-a.Y)*(c.X-b.X); cross >= 0 {
			return fmt.Errorf("corners are not a convex quad in BL BR TR TL order (turn at corner %d)", (i+1)%4)
		}
	}
	if area >= 0 {
		return errors.New("corners are not in BL BR TR TL order")
	}
	if n := len(t.Pockets); n != 0 && n != 6 {
		return fmt.Errorf("%d pockets: want 6 or none", n)
	}
	for i, p := range t.Pockets {
		if !finite(p.X, p.Y) {
			return fmt.Errorf("pocket %d is not a number", i)
		}
	}
	return nil
}

func (b *Ball) validate(w, h int) error {
	if !finite(b.X, b.Y, b.R) {
		return errors.New("not a number")
	}
	if b.R <= 1 || b.R > float64(max(w, h))/4 {
		return fmt.Errorf("radius %.2f out of range", b.R)
	}
	if b.X < -b.R || b.Y < -b.R || b.X > float64(w)+b.R || b.Y > float64(h)+b.R {
		return errors.New("centre outside the image")
	}
	switch b.Class {
	case model.ClassCue, model.ClassSolid, model.ClassStripe, model.ClassEight, ClassOther:
	default:
		return fmt.Errorf("class %q: want cue, solid, stripe, eight or other", b.Class)
	}
	if b.Number != nil {
		n := *b.Number
		if n < 0 || n > 15 {
			return fmt.Errorf("number %d: want 0..15", n)
		}
		if b.Class != model.ClassOf(n) {
			return fmt.Errorf("number %d is a %s, labelled %s", n, model.ClassOf(n), b.Class)
		}
	}
	return nil
}

func finite(v ...float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// Encode writes s as JSON with one ball per line, coordinates rounded to
// 0.01 px, so label files diff well under review.
func (s *Set) Encode(w io.Writer) error {
	if err := s.Validate(); err != nil {
		return err
	}
	var b bytes.Buffer
	head := struct {
		Source  string `json:"source"`
		BallSet string `json:"ball_set"`
		Notes   string `json:"notes,omitempty"`
	}{s.Source, s.BallSet, s.Notes}
	hj, _ := json.Marshal(head)
	b.Write(hj[:len(hj)-1])
	b.WriteString(`,"frames":[`)
	for i := range s.Frames {
		if i > 0 {
			b.WriteByte(',')
		}
		encodeFrame(&b, &s.Frames[i])
	}
	b.WriteString("\n]}\n")
	_, err := w.Write(b.Bytes())
	return err
}

func encodeFrame(b *bytes.Buffer, f *Frame) {
	r := func(v float64) float64 { return math.Round(v*100) / 100 }
	rp := func(p model.Pixel) model.Pixel { return model.Pixel{X: r(p.X), Y: r(p.Y)} }
	head := struct {
		Image      string `json:"image"`
		SHA256     string `json:"sha256"`
		VideoFrame *int   `json:"video_frame,omitempty"`
		Width      int    `json:"width"`
		Height     int    `json:"height"`
		BallSet    string `json:"ball_set,omitempty"`
		Empty      bool   `json:"empty,omitempty"`
		Notes      string `json:"notes,omitempty"`
	}{f.Image, f.SHA256, f.VideoFrame, f.Width, f.Height, f.BallSet, f.Empty, f.Notes}
	hj, _ := json.Marshal(head)
	b.WriteString("\n {")
	b.Write(hj[1 : len(hj)-1])
	b.WriteString(",\n  \"table\": ")
	if f.Table == nil {
		b.WriteString("null")
	} else {
		t := Table{Pockets: make([]model.Pixel, len(f.Table.Pockets))}
		for i, c := range f.Table.Corners {
			t.Corners[i] = rp(c)
		}
		for i, p := range f.Table.Pockets {
			t.Pockets[i] = rp(p)
		}
		tj, _ := json.Marshal(t)
		b.Write(tj)
	}
	b.WriteString(",\n  \"balls\": [")
	for i, ball := range f.Balls {
		if i > 0 {
			b.WriteByte(',')
		}
		ball.X, ball.Y, ball.R = r(ball.X), r(ball.Y), r(ball.R)
		bj, _ := json.Marshal(ball)
		b.WriteString("\n   ")
		b.Write(bj)
	}
	if len(f.Balls) > 0 {
		b.WriteString("\n  ")
	}
	b.WriteString("]}")
}

// Save writes s to path atomically (atomicfile: temp file, fsync, rename,
// directory fsync), so an interrupted save never leaves half a label file.
func (s *Set) Save(path string) error {
	var b bytes.Buffer
	if err := s.Encode(&b); err != nil {
		return fmt.Errorf("labels: %s: %w", path, err)
	}
	if err := atomicfile.Write(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("labels: %w", err)
	}
	return nil
}

// FileSHA256 returns the hex SHA-256 of a file's bytes.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Verify checks that every frame's file exists under root and has the
// labelled SHA-256: labels drawn on one picture say nothing about another.
func (s *Set) Verify(root string) error {
	sums := map[string]string{}
	for i := range s.Frames {
		f := &s.Frames[i]
		sum, ok := sums[f.Image]
		if !ok {
			var err error
			if sum, err = FileSHA256(filepath.Join(root, f.Image)); err != nil {
				return fmt.Errorf("labels: %s: %w", f.Key(), err)
			}
			sums[f.Image] = sum
		}
		if sum != f.SHA256 {
			return fmt.Errorf("labels: %s: SHA-256 %s, labelled %s: the file changed since it was labelled", f.Key(), sum, f.SHA256)
		}
	}
	return nil
}
