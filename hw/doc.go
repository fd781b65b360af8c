// Package hw brings up the box's hardware through periph: it initialises the
// host drivers once, reports what it found (drivers loaded and failed, SPI
// ports, GPIO chips and lines), and opens SPI ports and GPIO pins by name with
// errors that name the device and the likely fix (a group, a udev rule, a
// kernel module).
//
// The parts live in sub-packages: led (APA102/WS2812 strips), pins (status
// LED, relay), pjlink (projector) and controller (what the table's lights do
// when, and the safe state). A missing device is an error from here and a
// disabled part in the controller, never a stopped daemon.
//
// Concurrency: Init is safe to call more than once and from several
// goroutines (periph returns its first result).
package hw
