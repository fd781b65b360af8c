// Package model holds the few types every stage of cuecast speaks: frames,
// balls, table geometry, detections, cue aim, shots, trajectories, game events
// and alerts. It sits at the bottom of the dependency graph: it imports only
// the standard library, has no cgo and no behaviour beyond small helpers, so
// any stage (vision, core, physics, hub consumers) can use it without pulling
// in another stage.
//
// Coordinates follow the design brief: the table frame is in metres,
// right-handed with z up, origin at the bottom-left cushion nose as the camera
// image shows it, x along the long rails to the right, y up the image.
// Headings are degrees from +x, counter-clockwise. Pixel coordinates (y down)
// are kept beside table coordinates where a display needs them.
package model
