package physics

import (
	"math"

	"github.com/cuecast/cuecast/edge/model"
)

// Aim is the fast aim preview: the cue ball's straight path from where it
// lies along the aim, reflected off up to MaxCushions rails, to the first
// object ball it would meet (or a pocket, or the last rail).
type Aim struct {
	// Points is the cue ball centre's path: start, each rail contact, end.
	Points []model.Vec2 `json:"points"`
	// Hit says the path ends on an object ball: Ghost is then the cue
	// ball's centre at contact, Target the ball, and TargetDir the unit
	// direction the object ball is sent (the line of centres).
	Hit       bool       `json:"hit"`
	Ghost     model.Vec2 `json:"ghost"`
	Target    string     `json:"target,omitempty"`
	TargetDir model.Vec2 `json:"target_dir"`
	// Cushions is how many rails the path touches before its end.
	Cushions int `json:"cushions"`
	// Pocket names the pocket the path runs into, if any.
	Pocket string `json:"pocket,omitempty"`
}

// AimLine fills dst with the aim preview for the cue ball ("cue" in balls)
// along headingDeg, through at most maxCushions rail reflections. It is a
// geometric preview (straight lines, mirror reflections: what the cue ball
// does without spin at moderate speed), cheap enough for every camera frame;
// Predict gives the full physics. dst.Points is reused; with room in it,
// AimLine allocates nothing. It reports false when there is no cue ball.
func (p *Predictor) AimLine(balls []model.Ball, headingDeg float64, maxCushions int, dst *Aim) bool {
	t := p.sys.tab
	R := p.sys.p.BallRadius
	dst.Points = dst.Points[:0]
	dst.Hit, dst.Target, dst.Cushions, dst.Pocket = false, "", 0, ""
	dst.Ghost, dst.TargetDir = model.Vec2{}, model.Vec2{}
	cue := -1
	for k := range balls {
		if balls[k].ID == "cue" {
			cue = k
			break
		}
	}
	if cue < 0 || !finite(headingDeg) {
		return false
	}
	c := p.clamp(balls[cue].Pos)
	pos := v2{c.X, c.Y}
	h := headingDeg * math.Pi / 180
	d := v2{math.Cos(h), math.Sin(h)}
	dst.Points = append(dst.Points, vec(pos))
	for leg := 0; ; leg++ {
		// First object ball along the ray: |pos + s d - b| = 2R.
		best, hit := math.Inf(1), -1
		for k := range balls {
			if k == cue {
				continue
			}
			b := v2{balls[k].Pos.X, balls[k].Pos.Y}
			m := pos.sub(b)
			bb := m.dot(d)
			cc := m.dot(m) - 4*R*R
			disc := bb*bb - cc
			if bb >= 0 || disc < 0 {
				continue // moving away, or passing wide
			}
			s := -bb - math.Sqrt(disc)
			if s < 0 {
				s = 0 // touching already
			}
			if s < best {
				best, hit = s, k
			}
		}
		// First rail: the centre reaches a radius from a cushion nose.
		rs, axis := math.Inf(1), 0
		if d.x > 0 {
			rs, axis = (t.l-R-pos.x)/d.x, 1
		} else if d.x < 0 {
			rs, axis = (R-pos.x)/d.x, 1
		}
		if d.y > 0 {
			if s := (t.w - R - pos.y) / d.y; s < rs {
				rs, axis = s, 2
			}
		} else if d.y < 0 {
			if s := (R - pos.y) / d.y; s < rs {
				rs, axis = s, 2
			}
		}
		rs = math.Max(rs, 0)
		if hit >= 0 && best <= rs {
			g := pos.add(d.scale(best))
			b := v2{balls[hit].Pos.X, balls[hit].Pos.Y}
			dir := b.sub(g)
			dir = dir.scale(1 / dir.norm())
			dst.Points = append(dst.Points, vec(g))
			dst.Hit, dst.Ghost, dst.Target, dst.TargetDir = true, vec(g), balls[hit].ID, vec(dir)
			return true
		}
		at := pos.add(d.scale(rs))
		dst.Points = append(dst.Points, vec(at))
		// Past the rail's ends the ball is in a pocket mouth.
		if q := p.mouthAt(at, axis); q >= 0 {
			dst.Pocket = t.pockets[q].name
			return true
		}
		if leg >= maxCushions {
			return true
		}
		dst.Cushions++
		if axis == 1 {
			d.x = -d.x
		} else {
			d.y = -d.y
		}
		pos = at
	}
}

// mouthAt returns the pocket whose mouth the cue ball enters when its
// centre reaches at, a radius off the nose line on the given axis (1: the
// left or right rail, 2: the bottom or top rail), or -1 when a rail is there.
func (p *Predictor) mouthAt(at v2, axis int) int {
	t := p.sys.tab
	cp := at // the contact point on the nose line
	if axis == 1 {
		cp.x = 0
		if at.x > t.l/2 {
			cp.x = t.l
		}
	} else {
		cp.y = 0
		if at.y > t.w/2 {
			cp.y = t.w
		}
	}
	for k := range t.cushions {
		c := &t.cushions[k]
		if c.jaw >= 0 || math.Abs(cp.sub(c.a).dot(c.n)) > 1e-9 {
			continue
		}
		if a := cp.sub(c.a).dot(c.dir); a >= 0 && a <= c.len {
			return -1
		}
	}
	best, bd := -1, math.Inf(1)
	for k := range t.pockets {
		if d := t.pockets[k].mouth.sub(cp).norm(); d < bd {
			best, bd = k, d
		}
	}
	return best
}
