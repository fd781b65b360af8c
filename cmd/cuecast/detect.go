package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/vision"
)

func init() {
	register("detect", "find the table and balls in images (--json, --debug-out DIR); exit 2 if a file is not a readable image", runDetect)
}

// detectBall is one ball as `cuecast detect` prints it.
type detectBall struct {
	X          float64     `json:"x"`
	Y          float64     `json:"y"`
	Radius     float64     `json:"radius"`
	Class      model.Class `json:"class"`
	Number     *int        `json:"number"`
	Confidence float64     `json:"confidence"`
	Table      *model.Vec2 `json:"table,omitempty"` // metres, when the table was found
}

type detectTable struct {
	Corners [4]model.Pixel `json:"corners"` // BL, BR, TR, TL
	Pockets []model.Pixel  `json:"pockets"`
}

type detectResult struct {
	Image  string        `json:"image"`
	Error  string        `json:"error,omitempty"`
	Width  int           `json:"width,omitempty"`
	Height int           `json:"height,omitempty"`
	Table  *detectTable  `json:"table"`
	Balls  []detectBall  `json:"balls"`
	Cue    *model.CueAim `json:"cue,omitempty"`
}

func runDetect(args []string) int {
	fs := flag.NewFlagSet("detect", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON (one array of results)")
	debugOut := fs.String("debug-out", "", "write annotated images into `DIR`")
	table := fs.String("table", "9ft", "table size: 9ft, 8ft or 7ft")
	threads := fs.Int("threads", 1, "OpenCV threads")
	score := fs.Bool("score", false, "score detection against label files (edge/labels JSON; the arguments are label files, not images)")
	data := fs.String("data", "../shared/data", "with --score: the `DIR` the label files' image paths are relative to")
	details := fs.Bool("details", false, "with --score: also list each frame's misses, false balls and wrong names")
	explain := fs.Bool("explain", false, "print every ball candidate, kept or rejected and why, with the figures the tests read, to stderr (with --score: kept ones marked by the labels)")
	venueFile := fs.String("venue", "", "name balls by the venue's taught colours in `FILE` (GET /api/v1/vision/venue's JSON)")
	teach := fs.String("teach", "", "with --score: teach a venue from the labelled frame `KEY` (its image path, #N for a video frame) and score the other frames with it")
	venueOut := fs.String("venue-out", "", "with --teach: write the taught venue to `FILE`")
	shrink := fs.Int("shrink", 1, "with --score: score every frame shrunk `N` times (N x N pixels averaged) against its labels shrunk alike: small balls from a set of large ones")
	cushion := fs.Float64("cushion", config.Default().Vision.CushionWidth, "cloth-coloured cushion width seen beyond the playing surface, metres (0 when the cushions look unlike the cloth)")
	nose := fs.String("cushion-nose", config.Default().Vision.CushionNose, "how the reported table corners are found: outermost (the ball finder's) or step-up (the step up out of the dark band under each cushion; vision.cushion_nose)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: cuecast detect [--json] [--explain] [--debug-out DIR] [--table 9ft] IMAGE...")
		fmt.Fprintln(fs.Output(), "       cuecast detect --score [--data DIR] [--details] [--explain] [--debug-out DIR] [--shrink N] [--venue FILE | --teach KEY [--venue-out FILE]] LABELS.json...")
		fmt.Fprintf(fs.Output(), "Images: JPEG, PNG, BMP, PPM/PGM, TIFF or WebP, at most %d megapixels. Every image is tried;\n", vision.MaxImagePixels/1_000_000)
		fmt.Fprintln(fs.Output(), "exit 2 if a file is not a readable image, 1 if detection failed on one, else 0.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	size, ok := tableSize("detect", *table)
	if !ok {
		return 2
	}
	if *debugOut != "" {
		if err := os.MkdirAll(*debugOut, 0o755); err != nil {
			fmt.Fprintf(os.Stderr, "cuecast detect: %v\n", err)
			return 2
		}
	}
	cfg := config.Default().Vision
	cfg.Threads = *threads
	if *cushion < 0 || *cushion > 0.15 {
		fmt.Fprintf(os.Stderr, "cuecast detect: --cushion %v: want 0..0.15 metres\n", *cushion)
		return 2
	}
	cfg.CushionWidth = *cushion
	if *nose != "outermost" && *nose != "step-up" {
		fmt.Fprintf(os.Stderr, "cuecast detect: --cushion-nose %q: want outermost or step-up\n", *nose)
		return 2
	}
	cfg.CushionNose = *nose
	geo := model.Standard(size)
	var venue *vision.Venue
	if *venueFile != "" {
		b, err := os.ReadFile(*venueFile)
		if err == nil {
			venue, err = vision.ParseVenue(b)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "cuecast detect: --venue %s: %v\n", *venueFile, err)
			return 2
		}
	}
	if (*teach != "" || *venueOut != "") && (!*score || *venueFile != "" || *teach == "") {
		fmt.Fprintln(os.Stderr, "cuecast detect: --teach goes with --score and without --venue; --venue-out with --teach")
		return 2
	}
	if *shrink < 1 || *shrink > 8 || *shrink != 1 && !*score {
		fmt.Fprintln(os.Stderr, "cuecast detect: --shrink goes with --score and takes 1 to 8")
		return 2
	}
	if *score {
		return runScore(cfg, geo, scoreOptions{data: *data, debugOut: *debugOut, details: *details, explain: *explain,
			venue: venue, teach: *teach, venueOut: *venueOut, shrink: *shrink}, fs.Args())
	}
	// Every image is tried: a bad one is reported and the others still get
	// their results. Exit 2 when a file could not be read as an image
	// (missing, not an image, damaged, too large: bad input), else 1 when
	// detection failed on one.
	failed, unreadable := false, false
	var results []detectResult
	var f model.Frame
	var det model.Detection
	for _, path := range fs.Args() {
		r := detectResult{Image: path, Balls: []detectBall{}}
		var ex func(vision.Candidate)
		var exn func(vision.Naming)
		var ext func(string)
		if *explain {
			ex = func(c vision.Candidate) { printCandidate(os.Stderr, path, c, "") }
			exn = func(n vision.Naming) { printNaming(os.Stderr, path, n, "") }
			ext = func(s string) { fmt.Fprintf(os.Stderr, "%s table: %s\n", path, s) }
		}
		if err := detectOne(cfg, geo, venue, path, *debugOut, ex, exn, ext, &f, &det, &r); err != nil {
			fmt.Fprintf(os.Stderr, "cuecast detect: %s: %v\n", path, err)
			r.Error = err.Error()
			var ie *vision.ImageError
			if errors.As(err, &ie) {
				unreadable = true
			} else {
				failed = true
			}
		}
		if *asJSON {
			results = append(results, r)
		} else {
			printDetect(os.Stdout, &r)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			return 1
		}
	}
	switch {
	case unreadable:
		return 2
	case failed:
		return 1
	}
	return 0
}

// detectOne runs a fresh detector on one image: each image may show a
// different table, so nothing is cached across them.
func detectOne(cfg config.Vision, geo model.TableGeometry, venue *vision.Venue, path, debugOut string, explain func(vision.Candidate), explainNames func(vision.Naming), explainTable func(string), f *model.Frame, det *model.Detection, r *detectResult) error {
	if err := vision.ReadImage(path, f); err != nil {
		return err
	}
	d, err := vision.NewDetector(cfg, vision.DetectorOptions{Table: geo, Venue: venue, Stills: true, Explain: explain, ExplainNames: explainNames, ExplainTable: explainTable})
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Detect(f, det); err != nil {
		return err
	}
	r.Width, r.Height = f.Width, f.Height
	if det.Table != nil {
		r.Table = &detectTable{Corners: det.Table.Corners, Pockets: det.Table.Pockets}
	}
	for _, b := range det.Balls {
		r.Balls = append(r.Balls, detectBall{X: b.Pixel.X, Y: b.Pixel.Y, Radius: b.RadiusPx, Class: b.Class,
			Number: b.Number, Confidence: b.Confidence, Table: b.Pos})
	}
	r.Cue = det.Cue
	if debugOut != "" {
		name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)) + ".detect.png"
		if err := vision.WriteAnnotated(filepath.Join(debugOut, name), f, det); err != nil {
			return err
		}
	}
	return nil
}

// tableSize parses a --table flag (9ft, 8ft, 7ft), saying what is wanted
// when it is none of them.
func tableSize(cmd, v string) (model.Size, bool) {
	sizes := map[string]model.Size{"9ft": model.Table9ft, "8ft": model.Table8ft, "7ft": model.Table7ft}
	size, ok := sizes[v]
	if !ok {
		fmt.Fprintf(os.Stderr, "cuecast %s: --table %q: want 9ft, 8ft or 7ft\n", cmd, v)
	}
	return size, ok
}

func printDetect(w io.Writer, r *detectResult) {
	if r.Error != "" {
		fmt.Fprintf(w, "%s: error: %s\n", r.Image, r.Error)
		return
	}
	fmt.Fprintf(w, "%s: %dx%d\n", r.Image, r.Width, r.Height)
	if r.Table == nil {
		fmt.Fprintln(w, "  table: not found")
	} else {
		c := r.Table.Corners
		fmt.Fprintf(w, "  table corners: BL (%.1f, %.1f) BR (%.1f, %.1f) TR (%.1f, %.1f) TL (%.1f, %.1f)\n",
			c[0].X, c[0].Y, c[1].X, c[1].Y, c[2].X, c[2].Y, c[3].X, c[3].Y)
		fmt.Fprint(w, "  pockets:")
		for _, p := range r.Table.Pockets {
			fmt.Fprintf(w, " (%.1f, %.1f)", p.X, p.Y)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  balls: %d\n", len(r.Balls))
	for _, b := range r.Balls {
		num := "null"
		if b.Number != nil {
			num = fmt.Sprint(*b.Number)
		}
		fmt.Fprintf(w, "    x=%.2f y=%.2f r=%.2f class=%s number=%s confidence=%.2f", b.X, b.Y, b.Radius, b.Class, num, b.Confidence)
		if b.Table != nil {
			fmt.Fprintf(w, " table=(%.3f, %.3f) m", b.Table.X, b.Table.Y)
		}
		fmt.Fprintln(w)
	}
	if r.Cue != nil {
		fmt.Fprintf(w, "  cue: tip (%.1f, %.1f) heading %.1f deg confidence %.2f\n", r.Cue.Tip.X, r.Cue.Tip.Y, r.Cue.HeadingDeg, r.Cue.Confidence)
	}
}

// printCandidate is one line of --explain: where the candidate is, how it
// was first named, the verdict ("kept" or why it is not a ball), what the
// labels say of a kept one (with --score), and the figures the tests read.
func printCandidate(w io.Writer, frame string, c vision.Candidate, label string) {
	b := &c.Ball
	name := string(b.Class)
	if b.Number != nil {
		name += fmt.Sprintf(" %d", *b.Number)
	}
	verdict := "kept"
	if c.Reason != "" {
		verdict = "rejected: " + c.Reason
	}
	if label != "" {
		verdict += " (" + label + ")"
	}
	at := ""
	if b.Pos != nil {
		at = fmt.Sprintf(" table (%.3f,%.3f) m", b.Pos.X, b.Pos.Y)
	}
	fmt.Fprintf(w, "%s pass %d: (%.1f,%.1f) r %.1f%s %s conf %.2f %s; %s\n", frame, c.Pass, b.Pixel.X, b.Pixel.Y, b.RadiusPx, at, name, b.Confidence, verdict, c.Measures)
}

// printNaming is one line of --explain's naming part, per ball kept after
// the frame's balls were named together: the name it got (or "unnamed")
// and its cost, the ball's own cheapest and runner-up numbers with their
// costs, what the labels say (with --score), the frame's white and the
// namer's features.
func printNaming(w io.Writer, frame string, n vision.Naming, label string) {
	b := &n.Ball
	name := string(b.Class) + " unnamed"
	if n.Name >= 0 {
		name = fmt.Sprintf("%s %d", b.Class, n.Name)
	}
	if label != "" {
		label = " (" + label + ")"
	}
	fmt.Fprintf(w, "%s name: (%.1f,%.1f) r %.1f %s cost %.1f; best %d %.1f, runner-up %d %.1f%s; white %.2f %.2f %.2f; %s\n",
		frame, b.Pixel.X, b.Pixel.Y, b.RadiusPx, name, n.Cost, n.Best, n.BestCost, n.RunnerUp, n.RunnerUpCost, label,
		n.White[0], n.White[1], n.White[2], n.Features)
}
