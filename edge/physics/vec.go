package physics

import "math"

// Vec3 is a vector in the table frame (metres, m/s or rad/s), z up.
type Vec3 struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	Z float64 `json:"z"`
}

func (a Vec3) add(b Vec3) Vec3      { return Vec3{a.X + b.X, a.Y + b.Y, a.Z + b.Z} }
func (a Vec3) sub(b Vec3) Vec3      { return Vec3{a.X - b.X, a.Y - b.Y, a.Z - b.Z} }
func (a Vec3) scale(k float64) Vec3 { return Vec3{a.X * k, a.Y * k, a.Z * k} }
func (a Vec3) dot(b Vec3) float64   { return a.X*b.X + a.Y*b.Y + a.Z*b.Z }
func (a Vec3) norm() float64        { return math.Sqrt(a.dot(a)) }
func (a Vec3) cross(b Vec3) Vec3 {
	return Vec3{a.Y*b.Z - a.Z*b.Y, a.Z*b.X - a.X*b.Z, a.X*b.Y - a.Y*b.X}
}

// v2 is a plane vector; the engine keeps positions and velocities in the
// plane of the cloth (balls do not leave it) and only spin in 3D.
type v2 struct{ x, y float64 }

func (a v2) add(b v2) v2        { return v2{a.x + b.x, a.y + b.y} }
func (a v2) sub(b v2) v2        { return v2{a.x - b.x, a.y - b.y} }
func (a v2) scale(k float64) v2 { return v2{a.x * k, a.y * k} }
func (a v2) dot(b v2) float64   { return a.x*b.x + a.y*b.y }
func (a v2) norm() float64      { return math.Sqrt(a.x*a.x + a.y*a.y) } // table-sized values: no overflow to guard
func (a v2) perp() v2           { return v2{-a.y, a.x} }                // z x a
func (a v2) v3() Vec3           { return Vec3{a.x, a.y, 0} }
func finite(x float64) bool     { return !math.IsNaN(x) && !math.IsInf(x, 0) }
