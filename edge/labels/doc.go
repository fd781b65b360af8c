// Package labels is the format of hand-made ground truth for real frames and
// the scoring of a detector against it.
//
// A label Set is one JSON file per source: for each frame, the image (a file
// or one frame of a video, by path relative to the shared data folder, with
// the SHA-256 of the file so a changed picture is noticed), the playing
// surface's corners (the intersections of the cushion-nose lines, BL BR TR TL
// in the table frame's order), the pockets, whether the table is empty, and
// every ball: sub-pixel centre, radius, class, number and whether it is
// partly hidden. Coordinates are ours; the pictures stay where they are and
// are never copied into the repository.
//
// Score compares detections (model.Detection, as the vision stage or
// `cuecast detect` produce them) with a Set and reports recall, precision,
// median centre error, class and number accuracy, table-corner error and
// false balls on empty tables, per source and per ball size.
//
// Refine fits a circle to a ball's outline in an image (pure Go, no OpenCV):
// it turns a click or a rough estimate into a sub-pixel centre and radius. It
// is independent of the detector on purpose: labels made with the detector's
// own fit would measure the detector against itself.
//
// The package is pure Go (it builds with CGO_ENABLED=0); nothing here holds
// goroutines or shared state, so every function is safe for concurrent use
// on distinct values.
package labels
