package vision

import (
	"fmt"
	"math"

	"github.com/cuecast/cuecast/edge/model"
)

// Calibration is what the box remembers about its camera and table.
type Calibration struct {
	// Corners fix the playing surface (BL, BR, TR, TL in pixels); nil lets
	// the detector find it.
	Corners *[4]model.Pixel `json:"corners,omitempty"`
	// Width and Height are the image size the corners belong to.
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
	// Camera holds lens intrinsics from `cuecast calibrate camera`.
	Camera *Intrinsics `json:"camera,omitempty"`
}

// Intrinsics is a calibrated lens.
type Intrinsics struct {
	// Model is ModelPinhole (Dist: k1 k2 p1 p2 [k3 [k4 k5 k6]]) or
	// ModelFisheye (Dist: k1 k2 k3 k4 of cv::fisheye).
	Model  string     `json:"model"`
	Width  int        `json:"width"`
	Height int        `json:"height"`
	K      [9]float64 `json:"k"`    // camera matrix, row-major
	Dist   []float64  `json:"dist"` // distortion coefficients
	RMS    float64    `json:"rms_px"`
	Views  int        `json:"views"`
	// Balance (fisheye only, 0..1; absent means 1) trades the undistorted
	// image's field of view for scale at its centre: 1 keeps the middle
	// of every frame edge in view, 0 crops to pixels seen everywhere. See
	// Intrinsics.Rectified.
	Balance *float64 `json:"balance,omitempty"`
}

// Validate checks a calibration is usable.
func (c *Calibration) Validate() error {
	if c.Camera != nil {
		if err := c.Camera.Validate(); err != nil {
			return err
		}
	}
	if c.Corners != nil {
		for i, p := range c.Corners {
			if math.IsNaN(p.X) || math.IsNaN(p.Y) || p.X < -1e4 || p.Y < -1e4 || p.X > 1e5 || p.Y > 1e5 {
				return fmt.Errorf("vision: calibration: corner %d (%v, %v) is not a pixel position", i, p.X, p.Y)
			}
		}
		if _, err := tableHomography(*c.Corners, model.Table9ft); err != nil {
			return fmt.Errorf("vision: calibration: corners: %w", err)
		}
		area := 0.0
		for i := 0; i < 4; i++ {
			a, b := c.Corners[i], c.Corners[(i+1)%4]
			area += a.X*b.Y - b.X*a.Y
		}
		if math.Abs(area)/2 < 100 {
			return fmt.Errorf("vision: calibration: corners enclose %.0f px², not a table (order BL, BR, TR, TL)", math.Abs(area)/2)
		}
	}
	return nil
}
