// Package led drives addressable LED strips over an SPI port: APA102 (and its
// SK9822 clone) and WS2812 (WS2812B, SK6812 RGB), framed here from the
// datasheets.
//
// An Encoder turns a slice of RGB pixels into the exact bytes for the wire,
// applying gamma correction, a brightness cap and the strip's colour order
// through one 256-entry table. It owns one frame buffer, allocated once, so an
// update allocates nothing. A Strip is an Encoder bound to an spi.Conn.
//
// Concurrency: an Encoder and a Strip are not safe for concurrent use; one
// goroutine (the hw controller's animation loop) owns each.
package led
