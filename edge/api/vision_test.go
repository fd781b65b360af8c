package api_test

import (
	"testing"

	"github.com/cuecast/cuecast/edge/api"
	"github.com/cuecast/cuecast/edge/model"
)

func TestVisionPerformance(t *testing.T) {
	e := newEnv(t)
	e.do(req{path: "/api/v1/vision/performance"}).wantErr(t, 503, api.CodeUnavailable)
	p := api.Performance{FPS: 29.5, Frames: 1000, Dropped: 4, Updated: t0,
		Timings: model.StageTimings{CaptureMS: 1, TableMS: 2, BallsMS: 8.5, CueMS: 3, TrackingMS: 0.4, PublishMS: 0.1}}
	e.vision.Set(p)
	var got api.Performance
	e.do(req{path: "/api/v1/vision/performance"}).wantJSON(t, 200, &got)
	if got.FPS != p.FPS || got.Timings != p.Timings || got.Frames != 1000 || got.Dropped != 4 || !got.Updated.Equal(t0) {
		t.Errorf("performance = %+v, want %+v", got, p)
	}
	e.do(req{path: "/api/v1/vision/performance?x=1"}).wantErr(t, 400, api.CodeBadRequest)
}
