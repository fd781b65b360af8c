package sim

import (
	"math"

	"github.com/cuecast/cuecast/edge/model"
)

// mat3 is a row-major 3x3 matrix, used for the camera homography.
type mat3 [9]float64

func (a mat3) mul(b mat3) mat3 {
	var c mat3
	for r := 0; r < 3; r++ {
		for k := 0; k < 3; k++ {
			c[r*3+k] = a[r*3]*b[k] + a[r*3+1]*b[3+k] + a[r*3+2]*b[6+k]
		}
	}
	return c
}

func (a mat3) inv() mat3 {
	d := a[0]*(a[4]*a[8]-a[5]*a[7]) - a[1]*(a[3]*a[8]-a[5]*a[6]) + a[2]*(a[3]*a[7]-a[4]*a[6])
	return mat3{
		(a[4]*a[8] - a[5]*a[7]) / d, (a[2]*a[7] - a[1]*a[8]) / d, (a[1]*a[5] - a[2]*a[4]) / d,
		(a[5]*a[6] - a[3]*a[8]) / d, (a[0]*a[8] - a[2]*a[6]) / d, (a[2]*a[3] - a[0]*a[5]) / d,
		(a[3]*a[7] - a[4]*a[6]) / d, (a[1]*a[6] - a[0]*a[7]) / d, (a[0]*a[4] - a[1]*a[3]) / d,
	}
}

func (a *mat3) apply(x, y float64) (float64, float64) {
	w := a[6]*x + a[7]*y + a[8]
	return (a[0]*x + a[1]*y + a[2]) / w, (a[3]*x + a[4]*y + a[5]) / w
}

// vec3 is a direction or point in the table frame (z up) or a ball's frame.
type vec3 struct{ x, y, z float64 }

func (a vec3) add(b vec3) vec3      { return vec3{a.x + b.x, a.y + b.y, a.z + b.z} }
func (a vec3) scale(s float64) vec3 { return vec3{a.x * s, a.y * s, a.z * s} }
func (a vec3) dot(b vec3) float64   { return a.x*b.x + a.y*b.y + a.z*b.z }
func (a vec3) norm() float64        { return math.Sqrt(a.dot(a)) }
func (a vec3) unit() vec3           { return a.scale(1 / a.norm()) }
func (a vec3) cross(b vec3) vec3 {
	return vec3{a.y*b.z - a.z*b.y, a.z*b.x - a.x*b.z, a.x*b.y - a.y*b.x}
}
func v2(x, y float64) model.Vec2      { return model.Vec2{X: x, Y: y} }
func sub2(a, b model.Vec2) model.Vec2 { return model.Vec2{X: a.X - b.X, Y: a.Y - b.Y} }
func len2(a model.Vec2) float64       { return math.Hypot(a.X, a.Y) }

// rot3 is a rotation matrix, row-major; it takes ball-frame vectors to the
// table frame.
type rot3 [9]float64

var identity3 = rot3{1, 0, 0, 0, 1, 0, 0, 0, 1}

// apply returns r*v.
func (r *rot3) apply(v vec3) vec3 {
	return vec3{r[0]*v.x + r[1]*v.y + r[2]*v.z, r[3]*v.x + r[4]*v.y + r[5]*v.z, r[6]*v.x + r[7]*v.y + r[8]*v.z}
}

// applyT returns transpose(r)*v: a table-frame direction in the ball's frame.
func (r *rot3) applyT(v vec3) vec3 {
	return vec3{r[0]*v.x + r[3]*v.y + r[6]*v.z, r[1]*v.x + r[4]*v.y + r[7]*v.z, r[2]*v.x + r[5]*v.y + r[8]*v.z}
}

// axisAngle is the rotation by angle a (radians) about unit axis u.
func axisAngle(u vec3, a float64) rot3 {
	c, s := math.Cos(a), math.Sin(a)
	t := 1 - c
	return rot3{
		t*u.x*u.x + c, t*u.x*u.y - s*u.z, t*u.x*u.z + s*u.y,
		t*u.x*u.y + s*u.z, t*u.y*u.y + c, t*u.y*u.z - s*u.x,
		t*u.x*u.z - s*u.y, t*u.y*u.z + s*u.x, t*u.z*u.z + c,
	}
}

func (a rot3) mul(b rot3) rot3 {
	var c rot3
	for r := 0; r < 3; r++ {
		for k := 0; k < 3; k++ {
			c[r*3+k] = a[r*3]*b[k] + a[r*3+1]*b[3+k] + a[r*3+2]*b[6+k]
		}
	}
	return c
}

// orthonormalize keeps a rotation that is updated every frame from drifting
// into a shear (Gram-Schmidt on the columns).
func (r *rot3) orthonormalize() {
	c0 := vec3{r[0], r[3], r[6]}.unit()
	c1 := vec3{r[1], r[4], r[7]}
	c1 = c1.add(c0.scale(-c0.dot(c1))).unit()
	c2 := c0.cross(c1)
	*r = rot3{c0.x, c1.x, c2.x, c0.y, c1.y, c2.y, c0.z, c1.z, c2.z}
}

func clamp01(x float64) float64 {
	if x < 0 {
		return 0
	}
	if x > 1 {
		return 1
	}
	return x
}

func smoothstep(e0, e1, x float64) float64 {
	t := clamp01((x - e0) / (e1 - e0))
	return t * t * (3 - 2*t)
}

func angleDeg(d model.Vec2) float64 { return math.Atan2(d.Y, d.X) * 180 / math.Pi }

// perpDist is the distance from point p to the line through a along unit dir.
func perpDist(a, dir, p model.Vec2) float64 {
	return math.Abs((p.X-a.X)*dir.Y - (p.Y-a.Y)*dir.X)
}
