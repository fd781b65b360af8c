package core

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
)

// feed turns simulator frames into detections the way an imperfect vision
// stage would: positions with noise, balls under a hand or the cue mostly
// missed, occasional misses of visible balls, numbers sometimes unread.
type feed struct {
	s       *sim.Sim
	rng     *rand.Rand
	noiseM  float64 // position noise, metres (1 sigma)
	missP   float64 // chance a visible ball is missed
	occMiss float64 // chance an occluded ball is missed
	numberP float64 // chance the number is read
	f       model.Frame
	det     model.Detection
}

func newFeed(t testing.TB, o sim.Options, seed uint64) *feed {
	// The tracker works in table metres; a small picture keeps rendering
	// cheap while Truth stays exact.
	o.Width, o.Height, o.Unpaced = 160, 90, true
	s, err := sim.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	return &feed{s: s, rng: rand.New(rand.NewPCG(seed, 99)), noiseM: 0.0015, missP: 0.02, occMiss: 0.7, numberP: 0.9}
}

func (fd *feed) next(t testing.TB) (*model.Detection, *model.Truth) {
	if err := fd.s.Read(context.Background(), &fd.f); err != nil {
		t.Fatal(err)
	}
	d := &fd.det
	d.Seq, d.Captured, d.Width, d.Height = fd.f.Seq, fd.f.Captured, fd.f.Width, fd.f.Height
	d.Balls = d.Balls[:0]
	d.Cue = fd.f.Truth.Cue
	for _, b := range fd.f.Truth.Balls {
		if b.Pocketed {
			continue
		}
		if b.Occluded && fd.rng.Float64() < fd.occMiss || fd.rng.Float64() < fd.missP {
			continue
		}
		p := model.Vec2{X: b.Pos.X + fd.rng.NormFloat64()*fd.noiseM, Y: b.Pos.Y + fd.rng.NormFloat64()*fd.noiseM}
		bd := model.BallDetection{Pixel: b.Pixel, RadiusPx: b.RadiusPx, Pos: &p, Class: model.ClassOf(b.Number), Confidence: 0.9}
		if fd.rng.Float64() < fd.numberP {
			bd.Number = &numbers[b.Number]
		}
		d.Balls = append(d.Balls, bd)
	}
	return d, fd.f.Truth
}
