// Package history is what cuecast knows about shots once they are over: the
// shot as history keeps it (Shot: the game layer's ShotRecord plus the figures
// derived from it), the statistics players recognise (Stats), the export
// formats (CSV and JSON, one row per shot) and drills (Drill: a set-up, target
// zones and a success rule, scored from a shot record).
//
// The package is pure Go over edge/model: no database, no transport, no cgo.
// edge/store keeps Shots in SQLite and answers queries with these types;
// edge/recorder turns the hub's events into Shots and drill attempts; edge/api
// serves them. Keeping the definitions here means the figures a player sees on
// the /history page, in an export and over MQTT are computed by one piece of
// code.
//
// # Definitions (docs/history.md has them for players)
//
// Derive computes a shot's Features once, when it is stored:
//
//   - Target: the called ball, else the first object ball the cue ball hit.
//   - Pocket: the called pocket, else the pocket the target fell in, else the
//     pocket the target's measured path was heading for.
//   - A pocketing attempt is a shot that is not a break and has a target;
//     it succeeds (Potted) when the shot was legal and pocketed the called
//     ball in the called pocket (with a call) or any object ball (without).
//   - CutDeg: the cut angle of the target into Pocket from where the cue ball
//     stood (0 is straight in); DistM: cue ball to target, metres.
//   - PositionErrCM: where the cue ball stopped against where the prediction
//     shown before the strike said it would stop.
//   - PathErrCM: the target's measured path against its predicted path: the
//     mean distance of the measured path from the predicted polyline.
//
// Stats aggregates Features over a set of shots (Aggregate); innings, runs and
// run-outs need the shots of a rack in order, which Aggregate gets.
//
// Concurrency: everything here is a value or a pure function; safe for
// concurrent use.
package history
