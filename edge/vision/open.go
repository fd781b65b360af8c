package vision

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
)

// SourceOptions are the daemon's hooks for a source: who hears about an
// outage. All may be nil.
type SourceOptions struct {
	Reporter Reporter
	Alert    func(model.Alert)
	Log      *slog.Logger
}

// Open opens the source named by src.Kind: "file:PATH", "image:PATH" or
// "camera:/dev/videoN" ("sim" is the simulator's, opened by the daemon).
// A camera is returned wrapped in Reconnecting and opens lazily on the first
// Read, so a daemon started without its camera serves (and says so) until
// the camera appears.
func Open(src config.Source, vis config.Vision, o SourceOptions) (model.Source, error) {
	kind, arg, _ := strings.Cut(src.Kind, ":")
	switch kind {
	case "file":
		return OpenVideoFile(arg, src.Loop, 0)
	case "image":
		return OpenStillImage(arg, src.FPS)
	case "camera":
		co := CameraOptions{Width: src.Width, Height: src.Height, FPS: src.FPS, FourCC: vis.CameraFourCC, Exposure: vis.CameraExposure}
		open := func() (model.Source, error) { return OpenCamera(arg, co, o.Log) }
		return NewReconnecting(src.Kind, open, vis.CameraReconnectMin.D(), vis.CameraReconnectMax.D(), o.Reporter, o.Alert, o.Log), nil
	default:
		return nil, fmt.Errorf("vision: open source %q: unknown kind (want file:PATH, image:PATH or camera:/dev/videoN; sim is opened by the daemon)", src.Kind)
	}
}
