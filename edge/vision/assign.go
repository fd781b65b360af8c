package vision

import "math"

// assigner solves the rectangular assignment problem: rows (balls) to
// columns (identities), each column used at most once, minimum total cost.
// Every row must get a column, so callers add one "unknown" column per row
// when a row may stay unnamed. It is the shortest augmenting path method
// (Jonker-Volgenant / Hungarian with potentials), O(rows² x cols), with
// its buffers kept between calls: no allocation once they have grown.
type assigner struct {
	u, v, minv []float64
	p, way     []int
	used       []bool
}

// solve assigns n rows to m >= n columns; cost is row-major n x m. It
// writes the chosen column of each row into rowCol (len n).
func (a *assigner) solve(cost []float64, n, m int, rowCol []int) {
	if n == 0 {
		return
	}
	if m < n {
		panic("vision: assigner: fewer columns than rows")
	}
	a.u = grow(a.u, n+1)
	a.v = grow(a.v, m+1)
	a.minv = grow(a.minv, m+1)
	a.p = growInt(a.p, m+1)
	a.way = growInt(a.way, m+1)
	if cap(a.used) < m+1 {
		a.used = make([]bool, m+1)
	}
	a.used = a.used[:m+1]
	u, v, p, way, minv, used := a.u, a.v, a.p, a.way, a.minv, a.used
	for i := range u {
		u[i] = 0
	}
	for j := range v {
		v[j], p[j], way[j] = 0, 0, 0
	}
	// 1-based rows and columns; column 0 is the virtual start.
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j] = math.Inf(1)
			used[j] = false
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], math.Inf(1), 0
			for j := 1; j <= m; j++ {
				if used[j] {
					continue
				}
				cur := cost[(i0-1)*m+j-1] - u[i0] - v[j]
				if cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= m; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	for j := 1; j <= m; j++ {
		if p[j] != 0 {
			rowCol[p[j]-1] = j - 1
		}
	}
}

func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

func growInt(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n)
	}
	return s[:n]
}
