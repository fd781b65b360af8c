package video

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cuecast/cuecast/edge/hub"
)

const boundary = "cuecastframe"

// freshFor is how old the newest image may be to greet a new MJPEG viewer;
// older (a stalled camera), the viewer waits for the next one.
const freshFor = 2 * time.Second

// Register mounts /stream.mjpg and /snapshot.jpg.
func (v *Video) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /stream.mjpg", v.serveMJPEG)
	mux.HandleFunc("GET /snapshot.jpg", v.serveSnapshot)
}

// The range of ?fps= on /stream.mjpg. Below MinViewerFPS (a frame every
// 100 s) a browser gives up on the stream anyway, and far below it the gap
// 1/fps overflowed time.Duration: fps=1e-300 meant no cap at all.
const (
	MinViewerFPS = 0.01
	MaxViewerFPS = 120
)

// serveMJPEG streams multipart/x-mixed-replace JPEGs. ?fps=N caps this
// viewer below the encoder's rate; ?quality=960|640 asks for a smaller
// image (encoded once per frame for every viewer of that level).
func (v *Video) serveMJPEG(w http.ResponseWriter, r *http.Request) {
	gap := time.Duration(0)
	if s := r.URL.Query().Get("fps"); s != "" {
		fps, err := strconv.ParseFloat(s, 64)
		// Written so that NaN fails too.
		if err != nil || !(fps >= MinViewerFPS && fps <= MaxViewerFPS) {
			http.Error(w, fmt.Sprintf("video: fps=%q: want a number from %v to %v (frames per second for this viewer)", s, MinViewerFPS, MaxViewerFPS), http.StatusBadRequest)
			return
		}
		gap = time.Duration(float64(time.Second) / fps)
	}
	level := hub.LevelFull
	if q := r.URL.Query().Get("quality"); q != "" {
		l, auto, err := hub.ParseQuality(q)
		if err != nil || auto {
			http.Error(w, "video: quality must be one of "+strings.Join(hub.LevelNames[:], ", "), http.StatusBadRequest)
			return
		}
		level = l
	}
	v.viewers.Add(1)
	defer v.viewers.Add(-1)
	v.levelVw[level].Add(1)
	defer v.levelVw[level].Add(-1)
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "multipart/x-mixed-replace; boundary="+boundary)
	h.Set("Cache-Control", "no-cache, no-store, must-revalidate")
	h.Set("Pragma", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	rc.Flush()

	// A new viewer sees the newest image at once if it is recent (at a low
	// fps cap the first frame would otherwise take a whole gap to come).
	img := v.Latest()
	pending := img.at(level) != nil && time.Since(img.Encoded) < freshFor
	var last time.Time
	var hdr []byte
	for {
		if !pending {
			// Wait for a newer image than the one last written.
			select {
			case <-r.Context().Done():
				return
			case <-img.next:
			}
			if gap > 0 {
				if wait := gap - time.Since(last); wait > 0 {
					t := time.NewTimer(wait)
					select {
					case <-r.Context().Done():
						t.Stop()
						return
					case <-t.C:
					}
				}
			}
			img = v.Latest() // the newest, skipping any that came and went meanwhile
			if img.at(level) == nil {
				continue
			}
		}
		pending = false
		jpeg := img.at(level)
		hdr = hdr[:0]
		hdr = append(hdr, "--"+boundary+"\r\nContent-Type: image/jpeg\r\nContent-Length: "...)
		hdr = strconv.AppendInt(hdr, int64(len(jpeg)), 10)
		hdr = append(hdr, "\r\nX-Frame-Seq: "...)
		hdr = strconv.AppendUint(hdr, img.Seq, 10)
		hdr = append(hdr, "\r\n\r\n"...)
		rc.SetWriteDeadline(time.Now().Add(v.o.WriteTimeout))
		if _, err := w.Write(hdr); err != nil {
			return
		}
		if _, err := w.Write(jpeg); err != nil {
			return
		}
		if _, err := w.Write([]byte("\r\n")); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
		last = time.Now()
	}
}

func (v *Video) serveSnapshot(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	jpeg, err := v.Snapshot(ctx, time.Second)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			http.Error(w, "video: no frame within 3 s (is the camera delivering? see /api/v1/health)", http.StatusServiceUnavailable)
			return
		}
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(jpeg)))
	w.Write(jpeg)
}
