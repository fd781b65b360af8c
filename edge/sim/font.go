package sim

// digits is a 3x5 bitmap font, one row per entry, bit 2 the left column:
// small enough to fit the number circle of a ball 12 px across and still
// read as a digit.
var digits = [10][5]uint8{
	{7, 5, 5, 5, 7}, // 0
	{2, 6, 2, 2, 7}, // 1
	{7, 1, 7, 4, 7}, // 2
	{7, 1, 7, 1, 7}, // 3
	{5, 5, 7, 1, 1}, // 4
	{7, 4, 7, 1, 7}, // 5
	{7, 4, 7, 5, 7}, // 6
	{7, 1, 1, 2, 2}, // 7
	{7, 5, 7, 5, 7}, // 8
	{7, 5, 7, 1, 7}, // 9
}

// glyphInk reports whether the number n (1..15) printed in a circle has ink
// at (u, v), coordinates in the circle's unit disc with v up. One digit uses
// a cell of 0.24; two digits shrink to 0.18 so "15" still fits the circle.
func glyphInk(n int, u, v float64) bool {
	if n < 10 {
		return cellInk(digits[n], u, v, 0.24, -1.5)
	}
	const c = 0.18
	// Two 3-cell digits with a one-cell gap: 7 cells, centred.
	return cellInk(digits[n/10], u, v, c, -3.5) || cellInk(digits[n%10], u, v, c, 0.5)
}

// cellInk tests glyph g whose left edge is at x0 cells from the centre.
func cellInk(g [5]uint8, u, v, cell, x0 float64) bool {
	col := u/cell - x0
	row := 2.5 - v/cell
	if col < 0 || col >= 3 || row < 0 || row >= 5 {
		return false
	}
	return g[int(row)]>>(2-uint(col))&1 == 1
}
