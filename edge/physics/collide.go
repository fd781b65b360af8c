package physics

import "math"

// elasticBelow is the normal approach speed (m/s) under which ball-ball
// impacts are taken as elastic. The coefficient of restitution of real
// balls rises towards 1 as the impact speed falls (no plastic loss in a
// quasi-static Hertz contact), and without this a ball rolling into
// another that decelerates faster would chatter through an endless,
// geometrically shrinking series of impacts (inelastic collapse) instead of
// a few gentle ones.
const elasticBelow = 1e-3

// ballBall resolves an impact between two balls touching along n (unit,
// from ball 1 to ball 2, in the plane), returning the velocities and spins
// just after.
//
// The model is the instantaneous frictional impact of two equal spheres:
// a normal impulse Jn = m (1+e) v_n / 2 (restitution e < 1) and a tangential
// impulse at the contact point opposing the relative sliding velocity of the
// two surfaces there, limited by Coulomb friction mu Jn and by the impulse
// that stops the sliding (m |v_t| / 7: each surface point's effective mass
// for a tangential impulse is 2m/7). This is Alciatore's throw model (TP
// A.14): the object ball's throw angle is atan(min(mu, |v_t| / (7 v_n)))
// for e = 1, where v_t includes the cut component (cut-induced throw) and
// the contact velocity of both balls' spins (spin-induced throw), and mu
// depends on the sliding speed as in TP A.14. Vertical impulse components
// (from top or bottom spin at the contact) change spin but the cloth
// absorbs the vertical velocity they would give: balls stay on the cloth.
func ballBall(v1, vb v2, w1, w2 Vec3, n v2, p *Params) (v2, v2, Vec3, Vec3) {
	m, R := p.BallMass, p.BallRadius
	n3 := n.v3()
	// Velocities of the two surface points at the contact.
	c1 := v1.v3().add(w1.cross(n3.scale(R)))
	c2 := vb.v3().add(w2.cross(n3.scale(-R)))
	rel := c1.sub(c2)
	vn := rel.dot(n3)
	if vn <= 0 {
		return v1, vb, w1, w2 // separating: nothing to resolve
	}
	e := p.BallRestitution
	if vn < elasticBelow {
		e = 1
	}
	jn := m * (1 + e) * vn / 2
	vt := rel.sub(n3.scale(vn))
	vtn := vt.norm()
	jt := 0.0
	var th Vec3
	if vtn > 1e-12 {
		mu := p.BallFrictionA + p.BallFrictionB*math.Exp(-p.BallFrictionC*vtn)
		jt = math.Min(mu*jn, m*vtn/7)
		th = vt.scale(1 / vtn)
	}
	// Impulse on ball 1 (ball 2 gets the opposite).
	j1 := n3.scale(-jn).sub(th.scale(jt))
	I := 0.4 * m * R * R
	dv := j1.scale(1 / m)
	v1n := v2{v1.x + dv.X, v1.y + dv.Y}
	v2n := v2{vb.x - dv.X, vb.y - dv.Y}
	w1n := w1.add(n3.scale(R).cross(j1).scale(1 / I))
	w2n := w2.add(n3.scale(-R).cross(j1.scale(-1)).scale(1 / I))
	return v1n, v2n, w1n, w2n
}

// ballCushion resolves an impact with a cushion whose nose touches the ball
// in the direction n (unit, in the plane, from the ball centre towards the
// cushion), at height p.CushionHeight above the cloth.
//
// It follows Han (2005): the contact point sits above the equator at
// theta = asin(h/R - 1); the normal impulse along the contact normal is
// (1+e) m c with c = v_n cos(theta) the normal approach speed of the contact
// point (eqs 14-17), and the tangential impulse opposes the slip of the
// contact point, limited by mu_w times the normal impulse or by the impulse
// that makes it stick (eqs 18-20: A = 7/(2m)). Han takes the slip direction
// from the incidence angle; here it is the actual slip of the contact point
// including spin, which matches Han's sliding case when spin is small and
// keeps energy non-increasing when it is not. As in Han's planar
// simplification the cloth absorbs the vertical velocity.
func ballCushion(v v2, w Vec3, n v2, p *Params) (v2, Vec3) {
	m, R := p.BallMass, p.BallRadius
	sinT := p.CushionHeight/R - 1
	cosT := math.Sqrt(1 - sinT*sinT)
	// Unit vector from the centre to the contact point.
	k := Vec3{n.x * cosT, n.y * cosT, sinT}
	vc := v.v3().add(w.cross(k.scale(R)))
	c := vc.dot(k)
	if c <= 0 {
		return v, w
	}
	e := p.CushionRestitution
	if c < elasticBelow {
		e = 1 // see elasticBelow: a sliding ball pressed into a cushion would chatter
	}
	pn := (1 + e) * m * c
	s := vc.sub(k.scale(c))
	sn := s.norm()
	var pt Vec3
	if sn > 1e-12 {
		jt := math.Min(p.CushionFriction*pn, sn/(3.5/m))
		pt = s.scale(-jt / sn)
	}
	P := k.scale(-pn).add(pt)
	I := 0.4 * m * R * R
	vn := v2{v.x + P.X/m, v.y + P.Y/m}
	wn := w.add(k.scale(R).cross(P).scale(1 / I))
	// With the configured bounds on e and h the ball always leaves the
	// cushion; guard anyway so a ball can never be left moving into it.
	if d := vn.dot(n); d > 0 {
		vn = vn.sub(n.scale(d * (1 + e)))
	}
	return vn, wn
}

// Shot is a cue strike. HeadingDeg is the cue's direction in the table frame
// (degrees from +x, counter-clockwise); Speed the struck ball's speed just
// after the strike (m/s); TipSide and TipVertical the tip's offset from the
// ball's centre as fractions of the radius (side > 0 is right of centre as
// the player sees it, vertical > 0 above centre; a level cue at +0.4 gives
// natural roll at once, negative is draw); ElevationDeg the cue's elevation
// above the cloth (0..89).
type Shot struct {
	HeadingDeg   float64 `json:"heading_deg"`
	Speed        float64 `json:"speed"`
	TipSide      float64 `json:"tip_side"`
	TipVertical  float64 `json:"tip_vertical"`
	ElevationDeg float64 `json:"elevation_deg"`
}

// strike returns a ball's velocity and spin just after the shot.
//
// The cue delivers an impulse J along its axis d at the contact point
// R(a s + b u - sqrt(1-a^2-b^2) d), where s is the cue's right and u its up
// (perpendicular to d), a and b the tip offsets. Spin is (r x J)/I; for a
// level cue this gives w_y = 5 v b / (2R) (b = 2/5 rolls at once; Alciatore
// TP A.30) and w_z = 5 v a / (2R). The cloth cancels J's vertical part, so
// the speed after the strike is |J| cos(elev) / m = Speed. An elevated cue
// with side spin thus gives a spin axis off the rolling axis: the ball
// swerves (masse) along the sliding parabola.
//
// Squirt (Alciatore TP A.31): an off-centre hit pushes the ball away from
// the side struck, by alpha = atan(5/2 a sqrt(1-a^2) / (1 + m/m_e + 5/2
// (1-a^2))) with m_e the cue's end mass; right english squirts left.
func strike(sh Shot, p *Params) (v2, Vec3) {
	R := p.BallRadius
	h := sh.HeadingDeg * math.Pi / 180
	el := sh.ElevationDeg * math.Pi / 180
	a, b := sh.TipSide, sh.TipVertical
	dh := v2{math.Cos(h), math.Sin(h)}
	d := Vec3{dh.x * math.Cos(el), dh.y * math.Cos(el), -math.Sin(el)}
	s := Vec3{dh.y, -dh.x, 0} // right of the cue, horizontal
	u := s.cross(d)           // up, perpendicular to the cue
	depth := math.Sqrt(math.Max(0, 1-a*a-b*b))
	rc := s.scale(a * R).add(u.scale(b * R)).sub(d.scale(depth * R))
	m := p.BallMass
	J := d.scale(m * sh.Speed / math.Cos(el))
	w := rc.cross(J).scale(1 / (0.4 * m * R * R))

	alpha := 0.0
	if a != 0 {
		q := 1 - a*a
		alpha = math.Atan(2.5 * a * math.Sqrt(q) / (1 + m/p.CueEndMass + 2.5*q))
	}
	vh := h + alpha
	v := v2{sh.Speed * math.Cos(vh), sh.Speed * math.Sin(vh)}
	return v, w
}
