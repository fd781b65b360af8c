// Package display serves the pages the people at the table see, embedded in
// the binary (no build step, no npm on the box): the table display at /, the
// projector overlay at /projector (which also draws the active drill), the
// camera calibration view at /calibrate, the labelling page at /label (its
// API is edge/labels/labelapi), shot history at /history (statistics, charts
// drawn with the vendored uPlot, each shot redrawn, drills; docs/history.md),
// plain ES modules under /static/. It also keeps the projector
// calibration (the four table corners as the projector shows them), saved in
// the state directory so every projector page uses it.
//
// The pages speak the WebSocket protocol of docs/protocol.md through
// web/js/client.js, which resumes after any drop and de-duplicates by
// (epoch, offset).
package display
