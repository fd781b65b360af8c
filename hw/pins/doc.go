// Package pins drives the box's plain GPIO outputs: a status LED that blinks
// a pattern (starting, ready, fault) and a relay (the projector's mains),
// each with an active-low option.
//
// Nothing here starts a goroutine: the status LED is advanced by its owner's
// loop calling Update with the current time (the hw controller's animation
// loop, on an injected clock), so tests run on a fake clock and fake pins
// (periph's gpiotest).
//
// Concurrency: an Output or StatusLED is owned by one goroutine.
package pins
