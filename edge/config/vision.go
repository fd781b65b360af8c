package config

import "time"

// Vision tunes detection. Owned by edge/vision.
type Vision struct {
	// Threads for OpenCV; 1 keeps a core free for everything else.
	Threads int `toml:"threads" json:"threads"`
	// DetectWidth is the width (pixels) of the downscaled frame in which
	// balls and the cue are searched; centres are then refined at full
	// resolution around each candidate. 0 picks the width that keeps a ball
	// about 6 pixels in radius.
	DetectWidth int `toml:"detect_width" json:"detect_width"`
	// TableRecheck is how often the cached table outline is checked against
	// the frame (it is re-found when the cloth moved). "0s" never re-checks.
	TableRecheck Duration `toml:"table_recheck" json:"table_recheck"`
	// Calibration is the file (relative to box.state_dir unless absolute)
	// holding the table corners and camera intrinsics.
	Calibration string `toml:"calibration" json:"calibration"`
	// MinConfidence drops ball candidates scored below it (0..1).
	MinConfidence float64 `toml:"min_confidence" json:"min_confidence"`
	// MaxReprojectionPx refuses a camera calibration whose RMS reprojection
	// error is larger (pixels).
	MaxReprojectionPx float64 `toml:"max_reprojection_px" json:"max_reprojection_px"`
	// CameraReconnectMin and CameraReconnectMax bound the backoff between
	// attempts to reopen a lost camera.
	CameraReconnectMin Duration `toml:"camera_reconnect_min" json:"camera_reconnect_min"`
	CameraReconnectMax Duration `toml:"camera_reconnect_max" json:"camera_reconnect_max"`
	// CameraFourCC asks a V4L2 camera for this pixel format ("MJPG" lets USB
	// cameras deliver 1080p at 30 fps; "" keeps the driver's default).
	CameraFourCC string `toml:"camera_fourcc" json:"camera_fourcc"`
	// CameraExposure sets a manual exposure where the driver supports it;
	// 0 keeps auto exposure.
	CameraExposure float64 `toml:"camera_exposure" json:"camera_exposure"`
	// CushionWidth is how far (metres) the cloth-coloured cushion reaches
	// beyond the playing surface as the camera sees it: the detector finds
	// the cloth's outer edge and steps in by this much. 0 when the cushions
	// look unlike the cloth (then the found edge is the nose itself).
	CushionWidth float64 `toml:"cushion_width" json:"cushion_width"`
	// CushionNose is how the reported table corners are found: "step-up"
	// (the default: the step up out of the dark band the cushion's overhang
	// throws on the bed, on a shade-aware outline; 4x nearer the labelled
	// real tables' corners) or "outermost" (the ball finder's own: the
	// outermost sharp colour step inside the cloth's outline; "" is
	// outermost). Either way the ball finder searches through the
	// outermost step's corners (docs/vision-real.md).
	CushionNose string `toml:"cushion_nose" json:"cushion_nose"`
}

func defaultVision() Vision {
	return Vision{
		Threads:            1,
		TableRecheck:       Duration(2 * time.Second),
		Calibration:        "calibration.json",
		MinConfidence:      0.4,
		MaxReprojectionPx:  1.0,
		CameraReconnectMin: Duration(500 * time.Millisecond),
		CameraReconnectMax: Duration(30 * time.Second),
		CameraFourCC:       "MJPG",
		CushionWidth:       0.05,
		CushionNose:        "step-up",
	}
}

func (c *Vision) validate(s section) {
	s.rangeI(c.Threads, 0, 64, "threads")
	if c.DetectWidth != 0 {
		s.rangeI(c.DetectWidth, 160, 3840, "detect_width")
	}
	s.check(c.TableRecheck >= 0, "table_recheck", "must not be negative")
	s.check(c.Calibration != "", "calibration", "must not be empty")
	s.rangeF(c.MinConfidence, 0, 1, "min_confidence")
	s.rangeF(c.MaxReprojectionPx, 0.01, 20, "max_reprojection_px")
	s.positive(c.CameraReconnectMin, "camera_reconnect_min")
	s.positive(c.CameraReconnectMax, "camera_reconnect_max")
	s.check(c.CameraReconnectMax >= c.CameraReconnectMin, "camera_reconnect_max", "must not be less than camera_reconnect_min")
	s.check(c.CameraFourCC == "" || len(c.CameraFourCC) == 4, "camera_fourcc", "%q must be 4 characters (e.g. MJPG, YUYV) or empty", c.CameraFourCC)
	s.rangeF(c.CameraExposure, 0, 100000, "camera_exposure")
	s.rangeF(c.CushionWidth, 0, 0.15, "cushion_width")
	s.check(c.CushionNose == "" || c.CushionNose == "outermost" || c.CushionNose == "step-up", "cushion_nose", "%q must be outermost or step-up (\"\" is outermost)", c.CushionNose)
}
