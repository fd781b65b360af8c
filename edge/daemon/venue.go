package daemon

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"github.com/cuecast/cuecast/edge/api"
	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/labels"
	"github.com/cuecast/cuecast/edge/labels/evaluate"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/physics"
	"github.com/cuecast/cuecast/edge/vision"
)

// venueFile is the taught venue's file in the state directory.
const venueFile = "venue.json"

// openVenues opens the venue store. A corrupt file must not keep the box
// dark: it is set aside (.bad), the balls are named by the built-in
// colours and an alert says so.
func (d *Daemon) openVenues(cfg config.Config) error {
	path := absPath(filepath.Join(cfg.Box.StateDir, venueFile))
	s, err := vision.OpenVenueStore(path, d.venueChanged)
	if err != nil {
		msg := err.Error()
		if rerr := os.Rename(path, path+".bad"); rerr == nil {
			msg += "; set aside as " + path + ".bad: the built-in colours name the balls until the venue is taught or imported again"
		} else {
			msg += "; could not set it aside (" + rerr.Error() + "): fix or delete the file"
		}
		d.log.Error("venue's ball colours unreadable; naming balls by the built-in colours", "component", "vision", "err", msg)
		d.alert(model.AlertWarning, "venue_unreadable", msg, "vision")
		if s, err = vision.OpenVenueStore(path, d.venueChanged); err != nil {
			return err
		}
	}
	d.venues = s
	return nil
}

// venueChanged hands an imported, taught or forgotten venue to the running
// detector (SetVenue swaps it atomically under the frame loop); a
// restarted pipeline reads it from the store.
func (d *Daemon) venueChanged(v *vision.Venue) {
	_, det := d.pipe.running()
	if det == nil {
		return
	}
	if err := det.SetVenue(v); err != nil {
		d.log.Error("apply venue", "component", "vision", "err", err)
	}
}

// registerVenue mounts the venue's routes behind the API's edge: export
// (GET), import and forget (PUT, DELETE: token), and teach from a frame
// saved on the labelling page (POST .../teach: token).
func (d *Daemon) registerVenue(cfg config.Config) {
	mux := http.NewServeMux()
	d.venues.Register(mux)
	d.api.Handle("GET /api/v1/vision/venue", mux, api.Route{})
	d.api.Handle("PUT /api/v1/vision/venue", mux, api.Route{Command: true})
	d.api.Handle("DELETE /api/v1/vision/venue", mux, api.Route{Command: true})
	root := filepath.Join(cfg.Box.StateDir, "labels")
	d.api.HandleFunc("POST /api/v1/vision/venue/teach", func(w http.ResponseWriter, r *http.Request) error {
		var req struct {
			Image  string   `json:"image"`
			Images []string `json:"images"`
		}
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			return fmt.Errorf("%w: vision: venue: teach: bad JSON: %v", api.ErrInvalid, err)
		}
		images, err := teachImages(req.Image, req.Images)
		if err != nil {
			return err
		}
		v, err := d.teachVenue(root, images)
		if err != nil {
			return err
		}
		if err := d.venues.Set(v); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/json")
		return json.NewEncoder(w).Encode(d.venues.Get())
	}, api.Route{Command: true, MaxBody: 1 << 12})
}

// maxTeachFrames bounds the frames one teach request pools: two or three
// lay-outs of the balls are what a technician takes; each costs a
// detection.
const maxTeachFrames = 8

// teachImages is the frames a teach request names: image (one, "" for the
// last saved) or images (several, pooled), not both, each once.
func teachImages(image string, images []string) ([]string, error) {
	switch {
	case image != "" && len(images) > 0:
		return nil, fmt.Errorf("%w: vision: venue: teach: give image or images, not both", api.ErrInvalid)
	case len(images) == 0:
		return []string{image}, nil
	case len(images) > maxTeachFrames:
		return nil, fmt.Errorf("%w: vision: venue: teach: %d frames, at most %d", api.ErrInvalid, len(images), maxTeachFrames)
	}
	seen := map[string]bool{}
	for _, im := range images {
		if im == "" || seen[im] {
			return nil, fmt.Errorf("%w: vision: venue: teach: frame %q empty or repeated", api.ErrInvalid, im)
		}
		seen[im] = true
	}
	return images, nil
}

// teachVenue teaches a venue from the labelled frames images (captures
// the labelling page saved into root's labels.json; "" for the last one
// saved), each with a fresh detector as the labelling page's proposals
// use, and pools what they taught (vision.PoolVenues). Any frame that
// cannot teach fails the whole request: nothing is stored.
func (d *Daemon) teachVenue(root string, images []string) (*vision.Venue, error) {
	set, err := labels.Load(filepath.Join(root, "labels.json"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: vision: venue: teach: no labelled frame saved yet (label a capture on /label first)", api.ErrNotFound)
		}
		return nil, err
	}
	vs := make([]*vision.Venue, 0, len(images))
	for _, image := range images {
		v, err := d.teachFrame(root, set, image)
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	if len(vs) == 1 {
		return vs[0], nil
	}
	v, err := vision.PoolVenues(vs)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", api.ErrInvalid, err)
	}
	return v, nil
}

// teachFrame teaches a venue from one labelled frame of set.
func (d *Daemon) teachFrame(root string, set *labels.Set, image string) (*vision.Venue, error) {
	var lf *labels.Frame
	for i := range set.Frames {
		if f := &set.Frames[i]; image == "" || f.Image == image {
			lf = f // the last match: a frame saved again replaces nothing
		}
	}
	if lf == nil {
		return nil, fmt.Errorf("%w: vision: venue: teach: no labelled frame %q", api.ErrNotFound, image)
	}
	balls := evaluate.TeachBalls(lf)
	if len(balls) == 0 {
		return nil, fmt.Errorf("%w: vision: venue: teach: %s has no numbered ball", api.ErrInvalid, lf.Image)
	}
	if !filepath.IsLocal(filepath.FromSlash(lf.Image)) {
		return nil, fmt.Errorf("%w: vision: venue: teach: %s is outside the labels folder", api.ErrInvalid, lf.Image)
	}
	var f model.Frame
	if err := vision.ReadImage(filepath.Join(root, filepath.FromSlash(lf.Image)), &f); err != nil {
		return nil, err
	}
	if f.Width != lf.Width || f.Height != lf.Height {
		return nil, fmt.Errorf("%w: vision: venue: teach: %s is %dx%d, labelled %dx%d", api.ErrInvalid, lf.Image, f.Width, f.Height, lf.Width, lf.Height)
	}
	cfg := d.Current()
	_, table := physics.FromConfig(cfg.Physics)
	// A capture is already undistorted: the saved corners, not the lens.
	cal := d.calibrations.Get()
	cal.Camera = nil
	det, err := vision.NewDetector(cfg.Vision, vision.DetectorOptions{Table: table, Calibration: &cal})
	if err != nil {
		return nil, err
	}
	defer det.Close()
	v, err := det.Teach(&f, balls)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", api.ErrInvalid, err)
	}
	v.Source = lf.Image
	return v, nil
}
