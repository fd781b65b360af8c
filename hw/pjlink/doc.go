// Package pjlink is a PJLink class 1 client: the projector control protocol
// on TCP port 4352 that most business and installation projectors speak.
//
// A connection opens with the projector's greeting, "PJLINK 0" (no
// authentication) or "PJLINK 1 <random>" (authentication on). With
// authentication every command is prefixed with MD5(random + password) in
// lower-case hex. Commands are "%1CMND param\r", answers "%1CMND=result\r";
// errors are ERR1 (undefined command), ERR2 (parameter out of range), ERR3
// (unavailable time: warming, cooling, standby), ERR4 (projector failure), and
// "PJLINK ERRA" for a wrong password. Each has a sentinel for errors.Is.
//
// Projectors drop idle connections (30 s on most) and some close after every
// command, so the client dials per call and redials once inside a batch when
// the projector hung up. Power changes respect the lamp: no command is sent
// while the projector is warming up or cooling down in the other direction;
// SetPower waits and retries instead.
//
// Concurrency: a Client holds no connection between calls and is safe for
// concurrent use, but projectors serve one connection at a time, so the hw
// controller owns a single Client from one goroutine.
package pjlink
