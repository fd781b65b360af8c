// Package vision turns camera frames into a model.Detection: the playing
// surface (corners, pockets, pixel <-> table-metre homography), the balls
// (sub-pixel centre, radius, class, number, confidence) and the cue stick
// (line, tip, aim at the cue ball). It also provides the frame sources
// (V4L2 camera, video file, still image, a reconnecting wrapper), the JPEG
// encoder for the video stream, table and lens calibration, and the HTTP
// handlers for them.
//
// Image files (cuecast detect, the image: source, camera calibration) are
// sized from their header and refused over MaxImagePixels before anything
// is decoded; OpenCV decodes them inside a C++ exception guard (guard.hpp,
// shared with the fisheye bridge), so no cv::Exception crosses cgo to abort
// the process (imagefile.go).
//
// It is the only package that imports gocv. gocv Mats live in C memory the
// Go GC does not see: every type here allocates its Mats once, reuses them
// frame after frame and frees them in Close; none is put in a sync.Pool.
//
// Pipeline of Detector.Detect, per frame:
//
//   - table: the felt colour is learned from the frame's centre (dominant
//     hue), the largest felt-coloured region is reduced to four corners, each
//     edge refined by a line fit, and the homography computed. The result is
//     cached and only re-checked every Vision.TableRecheck (or held fixed by a
//     saved calibration).
//   - balls: in a rectified, downscaled top-down view of the table, pixels
//     unlike the felt (a chromaticity and brightness distance to the learned
//     felt colour and its light field, so shadows and the lighting gradient
//     stay "felt") form a mask; a distance transform splits touching balls
//     into one peak each, round holes in the mask and a centre-surround
//     shading filter add balls the colour of the cloth. Each candidate is
//     refined at full resolution by fitting a circle to the felt/ball edge
//     found along rays, and classified from its colour statistics (white
//     fraction for cue/stripe, dominant hue and red/green/blue balance for
//     the number). A venue taught its own balls (venue.go, Venue: colours
//     measured on a labelled frame, stored by VenueStore) adds its colours
//     to the built-in ones; without one, naming is the built-in's.
//   - cue: the elongated non-ball part of the mask gives the stick's line and
//     tip.
//
// Concurrency: a Detector, a JPEGEncoder and every Source are used by one
// goroutine at a time (the vision loop or the video encoder); they hold no
// goroutines of their own except Reconnecting, whose Read is also
// single-caller. Calibrations, Performance, SetVenue/Venue (an atomic
// pointer swap) and the stores are safe for concurrent use (HTTP handlers
// read and set them while the loop runs); Teach is the loop's, like Detect.
package vision
