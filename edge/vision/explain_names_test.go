package vision

import (
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
)

// ExplainNames sees every ball of a frame once, as it was named: its
// number (the detection's), that number's cost, and the ball's two
// cheapest numbers in order.
func TestExplainNames(t *testing.T) {
	s := sim.New(sim.Options{Width: 1280, Height: 720, FPS: 3, Scenario: "demo", Seed: 3, NoiseSigma: 2, Unpaced: true})
	defer s.Close()
	var f model.Frame
	s.Render(&f, time.Unix(0, 0))
	cfg := config.Default().Vision
	cfg.Threads = 1
	var got []Naming
	d, err := NewDetector(cfg, DetectorOptions{Table: s.Geometry(), ExplainNames: func(n Naming) { got = append(got, n) }})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var det model.Detection
	if err := d.Detect(&f, &det); err != nil {
		t.Fatal(err)
	}
	if len(det.Balls) < 10 || len(got) != len(det.Balls) {
		t.Fatalf("%d balls, %d namings", len(det.Balls), len(got))
	}
	for i, n := range got {
		b := &det.Balls[i]
		num := -1
		if b.Number != nil {
			num = *b.Number
		}
		if n.Name != num || n.Ball.Class != b.Class {
			t.Errorf("ball %d: explained %s %d, detected %s %d", i, n.Ball.Class, n.Name, b.Class, num)
		}
		if n.Best == n.RunnerUp || n.BestCost > n.RunnerUpCost || n.Name >= 0 && n.Cost < n.BestCost {
			t.Errorf("ball %d: best %d %.2f, runner-up %d %.2f, name %d %.2f", i, n.Best, n.BestCost, n.RunnerUp, n.RunnerUpCost, n.Name, n.Cost)
		}
		if n.Features == "" || n.White[0] <= 0 {
			t.Errorf("ball %d: no features or white: %+v", i, n)
		}
	}
}
