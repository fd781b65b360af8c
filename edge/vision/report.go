package vision

import (
	"math"

	"github.com/cuecast/cuecast/edge/model"
)

// report moves what Detect found from the ball finder's geometry tf to the
// reported one (tableFit.rep): every ball's position in table metres from
// its image centre through the reported homography, and the cue's tip
// position, heading and offset from its tip and butt in the image. The
// finder's positions (its grid, its homography) served the finding and the
// naming; the tracker, physics, projector and game get the reported
// table's. With no reported geometry of its own (fixed corners, no
// refinement) nothing changes.
func report(tf *tableFit, balls []model.BallDetection, cue *model.CueAim) {
	rt := tf.rep
	if rt == nil {
		return
	}
	var cuePos *model.Vec2
	for i := range balls {
		b := &balls[i]
		x, y := rt.h.apply(b.Pixel.X, b.Pixel.Y)
		if b.Pos != nil {
			*b.Pos = model.Vec2{X: x, Y: y} // each detection owns its Pos
		} else {
			b.Pos = &model.Vec2{X: x, Y: y}
		}
		if b.Class == model.ClassCue && cuePos == nil {
			cuePos = b.Pos
		}
	}
	if cue == nil {
		return
	}
	tx, ty := rt.h.apply(cue.Tip.X, cue.Tip.Y)
	bx, by := rt.h.apply(cue.Butt.X, cue.Butt.Y)
	hx, hy := tx-bx, ty-by
	cue.HeadingDeg = math.Mod(math.Atan2(hy, hx)*180/math.Pi+360, 360)
	if cue.TipPos != nil {
		*cue.TipPos = model.Vec2{X: tx, Y: ty}
	}
	// As cueFinder.find: the cue ball's signed distance from the cue line
	// (positive: left of the aim).
	if l := math.Hypot(hx, hy); cuePos != nil && l > 0 {
		cue.OffsetM = ((cuePos.X-tx)*(-hy) + (cuePos.Y-ty)*hx) / l
	}
}
