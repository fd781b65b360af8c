package main

import (
	"github.com/cuecast/cuecast/edge/pipeline"
)

// stages are the frame loop's detector, tracker and predictor, built for one
// config and closed together when the loop stops.
type stages struct {
	detector  pipeline.Detector
	tracker   pipeline.Tracker
	predictor pipeline.Predictor
	closers   []func()
}

func (s *stages) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}
