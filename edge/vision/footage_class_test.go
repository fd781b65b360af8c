package vision

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cuecast/cuecast/edge/model"
)

// footageClass maps the footage's box classes (1 cue, 2 eight, 3 solid,
// 4 stripe) to ours.
var footageClass = [...]model.Class{1: model.ClassCue, 2: model.ClassEight, 3: model.ClassSolid, 4: model.ClassStripe}

// footageClassFloor is the share of matched balls whose class the detector
// gets right on the broadcast footage (0.585, 62 of 106, on main and on
// branch vision-class alike, 2026-12-07: see
// docs/vision-real.md "Stripe or solid"; 0.606 on main 708db5d, 0.624, 68
// of 109, with black caps read as a stripe's, "Black caps"). This footage
// is a holdout: no naming rule or threshold was chosen on it, so it is
// asserted, not tuned.
const footageClassFloor = 0.61

// TestRealFootageClass scores the class (cue, eight, solid, stripe) of the
// balls found on the broadcast footage's annotated frames: each annotated
// box is matched to the detection nearest its centre that lies inside it.
// -v prints the confusion (annotated -> detected) per clip and overall.
func TestRealFootageClass(t *testing.T) {
	confusion := map[[2]model.Class]int{}
	var matched, right int
	detectFootage(t, func(clip, which string, det *model.Detection) {
		var wrong []string
		for _, b := range readBoxes(t, filepath.Join(clip, "bounding_boxes", "frame_"+which+"_bbox.txt")) {
			if b.class < 1 || b.class >= len(footageClass) {
				continue
			}
			cx, cy := b.x+b.w/2, b.y+b.h/2
			best, bestD := -1, 0.0
			for i, db := range det.Balls {
				if db.Pixel.X < b.x || db.Pixel.X > b.x+b.w || db.Pixel.Y < b.y || db.Pixel.Y > b.y+b.h {
					continue
				}
				dd := (db.Pixel.X-cx)*(db.Pixel.X-cx) + (db.Pixel.Y-cy)*(db.Pixel.Y-cy)
				if best < 0 || dd < bestD {
					best, bestD = i, dd
				}
			}
			if best < 0 {
				continue
			}
			want, got := footageClass[b.class], det.Balls[best].Class
			matched++
			confusion[[2]model.Class{want, got}]++
			if want == got {
				right++
			} else {
				wrong = append(wrong, fmt.Sprintf("%s->%s at (%.0f,%.0f)", want, got, cx, cy))
			}
		}
		t.Logf("%s %s: wrong %s", filepath.Base(clip), which, strings.Join(wrong, ", "))
	})
	acc := float64(right) / float64(max(matched, 1))
	var b strings.Builder
	for _, w := range footageClass[1:] {
		fmt.Fprintf(&b, "\n  %-6s ->", w)
		for _, g := range footageClass[1:] {
			fmt.Fprintf(&b, " %s %2d", g, confusion[[2]model.Class{w, g}])
		}
	}
	t.Logf("class %.3f (%d of %d matched balls)%s", acc, right, matched, b.String())
	if acc < footageClassFloor {
		t.Errorf("class on the broadcast footage %.3f, want >= %.3f", acc, footageClassFloor)
	}
}
