package physics

import (
	"testing"

	"github.com/cuecast/cuecast/edge/model"
)

func TestSmoke(t *testing.T) {
	sys, err := NewSystem(DefaultParams(), StandardTable(model.Table9ft))
	if err != nil {
		t.Fatal(err)
	}
	sys.AddBall("cue", model.Vec2{X: 0.6, Y: 0.635}, model.Vec2{}, Vec3{})
	sys.AddBall("1", model.Vec2{X: 1.9, Y: 0.7}, model.Vec2{}, Vec3{})
	sys.Strike("cue", Shot{HeadingDeg: 3, Speed: 3, TipVertical: 0.2})
	res, err := sys.Simulate()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Events {
		t.Logf("%.4f %s %v %v %v %.4f->%.4f", e.T, e.Name(), e.A, e.B, e.Pos, e.KEBefore, e.KEAfter)
	}
	t.Log(res.Final(nil))
}
