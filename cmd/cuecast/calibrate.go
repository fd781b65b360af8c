package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/vision"
)

func init() {
	register("calibrate", "calibrate the table outline or the camera lens (table|camera)", runCalibrate)
}

const calibrateUsage = `usage:
  cuecast calibrate table  [--file F] (--image IMG | --corners "x,y x,y x,y x,y" | --auto)
  cuecast calibrate camera [--file F] [--pattern 9x6] [--square 0.025] [--max-rms 1.0]
                           [--fisheye [--balance 1]] IMAGE...

table:  fix the playing-surface corners (BL BR TR TL, pixels) found in IMG
        or given; --auto goes back to finding the table in every frame.
camera: compute lens intrinsics from chessboard images (inner-corner
        pattern); refused when the RMS reprojection error exceeds --max-rms.
        The pinhole model (k1 k2 p1 p2 k3) suits lenses up to about 120
        degrees diagonal; --fisheye solves cv::fisheye's k1..k4 for wider
        ones. Detection then runs on the undistorted frame; for a fisheye
        lens --balance (0..1) trades its field of view (1: every frame edge
        kept, so the table stays in view) for scale at the centre (0: crop).
        Take 10-20 images: the whole board sharp in each, out to the frame
        edges and corners, tilted different ways.
The calibration file defaults to box.state_dir/vision.calibration from
--config. The daemon reads it at start and through PUT /api/v1/vision/calibration.`

func runCalibrate(args []string) int {
	if len(args) == 0 || (args[0] != "table" && args[0] != "camera") {
		fmt.Fprintln(os.Stderr, calibrateUsage)
		return 2
	}
	what := args[0]
	fs := flag.NewFlagSet("calibrate "+what, flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), calibrateUsage); fs.PrintDefaults() }
	cfgPath := fs.String("config", config.DefaultPath, "config file (ignored when absent)")
	file := fs.String("file", "", "calibration file (default from the config)")
	image := fs.String("image", "", "table: find the corners in this image")
	corners := fs.String("corners", "", `table: corners "x,y x,y x,y x,y" (BL BR TR TL)`)
	auto := fs.Bool("auto", false, "table: drop fixed corners (find the table in every frame)")
	size := fs.String("table", "", "table size 9ft|8ft|7ft (default from the config's physics.table)")
	pattern := fs.String("pattern", "9x6", "camera: chessboard inner corners, COLSxROWS")
	square := fs.Float64("square", 0.025, "camera: square side in metres")
	maxRMS := fs.Float64("max-rms", 0, "camera: refuse above this RMS reprojection error, px (default vision.max_reprojection_px)")
	fisheye := fs.Bool("fisheye", false, "camera: fisheye model (k1..k4) for lenses wider than about 120 degrees")
	balance := fs.Float64("balance", 1, "camera, --fisheye: undistorted field of view, 1 keeps every frame edge, 0 crops to the centre")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	cfg, err := loadConfigIfPresent(*cfgPath)
	if err != nil {
		fmt.Fprintf(os.Stderr, "cuecast calibrate: %v\n", err)
		return 2
	}
	path := *file
	if path == "" {
		path = cfg.Vision.Calibration
		if !filepath.IsAbs(path) {
			path = filepath.Join(cfg.Box.StateDir, path)
		}
	}
	cal, err := vision.LoadCalibration(path)
	if errors.Is(err, os.ErrNotExist) {
		cal, err = &vision.Calibration{}, nil
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "cuecast calibrate: %v\n", err)
		return 1
	}
	switch what {
	case "table":
		code := calibrateTable(cfg, cal, *image, *corners, *auto, *size)
		if code != 0 {
			return code
		}
	case "camera":
		balanceSet := false
		fs.Visit(func(f *flag.Flag) { balanceSet = balanceSet || f.Name == "balance" })
		if balanceSet && !*fisheye {
			fmt.Fprintln(os.Stderr, "cuecast calibrate camera: --balance is for --fisheye")
			return 2
		}
		if !(*balance >= 0 && *balance <= 1) {
			fmt.Fprintf(os.Stderr, "cuecast calibrate camera: --balance %v: want 0..1\n", *balance)
			return 2
		}
		var cols, rows int
		if _, err := fmt.Sscanf(*pattern, "%dx%d", &cols, &rows); err != nil {
			fmt.Fprintf(os.Stderr, "cuecast calibrate: --pattern %q: want COLSxROWS, e.g. 9x6\n", *pattern)
			return 2
		}
		if fs.NArg() == 0 {
			fmt.Fprintln(os.Stderr, "cuecast calibrate camera: no images")
			return 2
		}
		limit := *maxRMS
		if limit == 0 {
			limit = cfg.Vision.MaxReprojectionPx
		}
		in, found, err := vision.CalibrateCamera(fs.Args(), vision.CalibrateOptions{Cols: cols, Rows: rows, Square: *square, MaxRMS: limit, Fisheye: *fisheye})
		for i, ok := range found {
			if !ok {
				fmt.Fprintf(os.Stderr, "  %s: board not found\n", fs.Arg(i))
			}
		}
		if in != nil {
			fmt.Printf("%s model, views %d, RMS reprojection error %.3f px (limit %.3f)\n", in.Model, in.Views, in.RMS, limit)
			fmt.Printf("K %v\ndistortion %v\n", in.K, in.Dist)
		}
		if err == nil && *fisheye {
			if balanceSet {
				b := *balance
				in.Balance = &b
			}
			knew, rerr := in.Rectified()
			if rerr != nil {
				err = rerr
			} else {
				fmt.Printf("undistorted camera (balance %.2f): f %.1f, %.1f, centre %.1f, %.1f: %.2f of the lens's scale at the centre\n",
					*balance, knew[0], knew[4], knew[2], knew[5], knew[0]/in.K[0])
			}
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "cuecast calibrate: %v\n", err)
			return 1
		}
		cal.Camera = in
	}
	if err := vision.SaveCalibration(path, cal); err != nil {
		fmt.Fprintf(os.Stderr, "cuecast calibrate: %v\n", err)
		return 1
	}
	fmt.Printf("saved %s (a running daemon picks it up on restart, or PUT it to /api/v1/vision/calibration)\n", path)
	return 0
}

func calibrateTable(cfg config.Config, cal *vision.Calibration, image, corners string, auto bool, size string) int {
	n := 0
	for _, set := range []bool{image != "", corners != "", auto} {
		if set {
			n++
		}
	}
	if n != 1 {
		fmt.Fprintln(os.Stderr, "cuecast calibrate table: give exactly one of --image, --corners, --auto")
		return 2
	}
	switch {
	case auto:
		cal.Corners, cal.Width, cal.Height = nil, 0, 0
		fmt.Println("table: automatic")
	case corners != "":
		c, err := parseCorners(corners)
		if err != nil {
			fmt.Fprintf(os.Stderr, "cuecast calibrate table: %v\n", err)
			return 2
		}
		cal.Corners = &c
	default:
		if size == "" {
			size = cfg.Physics.Table
		}
		sizes := map[string]model.Size{"9ft": model.Table9ft, "8ft": model.Table8ft, "7ft": model.Table7ft}
		sz, ok := sizes[size]
		if !ok {
			fmt.Fprintf(os.Stderr, "cuecast calibrate table: table size %q: use --table 9ft|8ft|7ft\n", size)
			return 2
		}
		var f model.Frame
		if err := vision.ReadImage(image, &f); err != nil {
			fmt.Fprintf(os.Stderr, "cuecast calibrate table: %v\n", err)
			return 1
		}
		// Find the table with automatic corners (and the saved lens, if any).
		d, err := vision.NewDetector(cfg.Vision, vision.DetectorOptions{Table: model.Standard(sz), Calibration: &vision.Calibration{Camera: cal.Camera}})
		if err != nil {
			fmt.Fprintf(os.Stderr, "cuecast calibrate table: %v\n", err)
			return 1
		}
		defer d.Close()
		var det model.Detection
		if err := d.Detect(&f, &det); err != nil || det.Table == nil {
			fmt.Fprintf(os.Stderr, "cuecast calibrate table: %s: no table found (%v); give --corners instead\n", image, err)
			return 1
		}
		c := det.Table.Corners
		cal.Corners, cal.Width, cal.Height = &c, f.Width, f.Height
	}
	if cal.Corners != nil {
		c := cal.Corners
		fmt.Printf("table corners: BL %.1f,%.1f BR %.1f,%.1f TR %.1f,%.1f TL %.1f,%.1f\n", c[0].X, c[0].Y, c[1].X, c[1].Y, c[2].X, c[2].Y, c[3].X, c[3].Y)
	}
	if err := cal.Validate(); err != nil {
		fmt.Fprintf(os.Stderr, "cuecast calibrate table: %v\n", err)
		return 2
	}
	return 0
}

func parseCorners(s string) ([4]model.Pixel, error) {
	var c [4]model.Pixel
	parts := strings.Fields(s)
	if len(parts) != 4 {
		return c, fmt.Errorf("--corners %q: want four x,y pairs (BL BR TR TL)", s)
	}
	for i, p := range parts {
		xs, ys, ok := strings.Cut(p, ",")
		x, err1 := strconv.ParseFloat(xs, 64)
		y, err2 := strconv.ParseFloat(ys, 64)
		if !ok || err1 != nil || err2 != nil {
			return c, fmt.Errorf("--corners: %q is not x,y", p)
		}
		c[i] = model.Pixel{X: x, Y: y}
	}
	return c, nil
}

// loadConfigIfPresent loads path, or the defaults when it does not exist.
func loadConfigIfPresent(path string) (config.Config, error) {
	cfg, err := config.Load(path)
	if errors.Is(err, os.ErrNotExist) {
		return config.Default(), nil
	}
	return cfg, err
}
