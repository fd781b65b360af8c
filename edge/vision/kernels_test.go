package vision

import "testing"

func BenchmarkFeltMask(b *testing.B) {
	n := 548 * 282
	bgr := make([]byte, 3*n)
	for i := range bgr {
		bgr[i] = byte(i * 7)
	}
	bright, dark := make([]float32, n), make([]float32, n)
	for i := range bright {
		bright[i], dark[i] = 200, 50
	}
	outside, out := make([]byte, n), make([]byte, n)
	fe := &felt{cb: 0.2, cg: 0.5, cr: 0.3, sum: 200, tol: 0.06}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		feltMask(bgr, bright, dark, outside, out, fe)
	}
}
