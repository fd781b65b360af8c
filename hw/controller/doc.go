// Package controller is what the table's hardware does, and when: the LED
// strip's idle pattern once the daemon is READY, a sweep while a shot is
// running, a flash in the ball's colour at the pocket where it dropped, red on
// a scratch; the status LED's starting/ready/fault blink; the projector's
// power at READY and at stop, its error status turned into alerts; and the
// safe state (LEDs off, projector and relay as configured) at stop and, since
// a crash restart must begin clean, at start.
//
// Every part is optional and independent. A part that is configured but
// cannot be opened (no SPI device, no GPIO chip, an unreachable projector) is
// logged and reported with the fix, and the rest runs; the controller never
// stops the daemon.
//
// Goroutines, all owned by the Controller and stopped by Shutdown:
//   - the animation loop: renders and writes the strip and the status LED on
//     an injected clock, and applies events;
//   - the feed loop: reads hub publications (event, alert) and hands them to
//     the animation loop;
//   - the projector loop: polls status, runs power commands; the only user
//     of the PJLink client.
//
// Start, Ready and Shutdown may be called from any goroutine.
package controller
