package main

import (
	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
)

// TEMPORARY until edge/vision's detector and edge/core's tracker land.
func (d *daemon) newStages(cfg config.Config) (*stages, error) {
	return &stages{detector: truthDetector{}, tracker: &truthTracker{}}, nil
}

type truthDetector struct{}

func (truthDetector) Detect(f *model.Frame, det *model.Detection) error {
	det.Seq, det.Captured, det.Width, det.Height = f.Seq, f.Captured, f.Width, f.Height
	det.Balls = det.Balls[:0]
	if f.Truth == nil {
		return nil
	}
	for _, b := range f.Truth.Balls {
		if b.Pocketed {
			continue
		}
		n := b.Number
		pos := b.Pos
		det.Balls = append(det.Balls, model.BallDetection{Pixel: b.Pixel, RadiusPx: b.RadiusPx, Pos: &pos, Class: model.ClassOf(n), Number: &n, Confidence: 1})
	}
	return nil
}

type truthTracker struct{ st model.State }

func (t *truthTracker) Update(det *model.Detection) (*model.State, []model.Event) {
	t.st.Seq, t.st.Captured, t.st.Width, t.st.Height = det.Seq, det.Captured, det.Width, det.Height
	t.st.Table = model.Standard(model.Table9ft)
	t.st.Balls = t.st.Balls[:0]
	for _, b := range det.Balls {
		t.st.Balls = append(t.st.Balls, model.Ball{ID: model.BallID(*b.Number), Class: b.Class, Number: b.Number, Pos: *b.Pos, Pixel: b.Pixel, RadiusPx: b.RadiusPx, Confidence: 1})
	}
	t.st.Phase = "idle"
	return &t.st, nil
}
