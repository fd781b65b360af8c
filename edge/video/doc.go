// Package video turns camera frames into JPEG for people: MJPEG at
// /stream.mjpg, a still at /snapshot.jpg, and the `frame` WebSocket stream.
//
// Each frame is encoded once for every viewer, and only while someone
// watches: the frame loop offers every frame (Offer, non-blocking); when
// there is no MJPEG viewer, no `frame` subscriber and no snapshot waiting,
// the offer costs one atomic load. Otherwise the frame is copied into a
// spare buffer and the encoder goroutine encodes the newest one (latest
// wins: frames that arrive while it encodes replace each other, they never
// queue). The result is shared by every viewer.
//
// A slow viewer never queues frames: each MJPEG connection waits for the
// next encoded frame and writes the latest one it finds, so it simply sees a
// lower frame rate; a viewer that stops reading is cut off by a write
// deadline. Memory is bounded by two raw frames plus one JPEG per generation
// in flight.
//
// Concurrency: Offer is called from the frame loop only. Run owns the
// encoder goroutine; handlers run on the HTTP server's goroutines.
package video
