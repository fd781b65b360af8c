// Package core turns per-frame ball detections into table state and game
// events: the tracker.
//
// Tracker.Update takes one model.Detection (balls with table-metre
// positions, class, number when vision read it) and returns the table state
// and the events that frame produced. Inside:
//
//   - Association: each track predicts where its ball is now (constant
//     velocity); detections are matched to tracks greedily by cost (distance
//     plus penalties for a class or number disagreement) inside a gate that
//     widens with the ball's speed and with frames unseen. A detection whose
//     number names a track that found no match this frame moves that track
//     there (a ball placed by hand, a re-rack). The rest start new tracks.
//   - Identity: ids are ball ids ("cue", "1".."15") from the class (cue,
//     eight) or from votes over the numbers vision reported; a ball never
//     identified is "?N". An id never moves between two live tracks.
//   - Smoothing: an alpha-beta filter per ball in table metres, so
//     velocities are in m/s; a ball is "moving" only when it has left its
//     rest position and kept a speed for several frames, which is what keeps
//     detection noise from ever starting a shot.
//   - Occlusion: an unseen ball is kept, predicted and marked occluded; a
//     still one for HoldStill (a hand resting over it), a moving one until
//     it is lost near a pocket (pocketed) or stops being plausible.
//   - Events (model.Event*): shot_started, ball_collision (closest approach
//     of two tracks within a frame), ball_pocketed (a moving ball lost near a
//     pocket and not seen again for PocketConfirm), shot_ended (first contact,
//     pocketed balls with pockets, scratch), rack_detected (15 object balls
//     packed in a triangle at either end spot), table_cleared.
//
// Every event Update returns is meant to be published on the event stream:
// nothing here logs an event instead of returning it.
//
// Concurrency: a Tracker belongs to one goroutine. The State that Update
// returns and its Balls slice are reused by the next Update; the events
// slice too. Copy what you keep. core imports no transport and no cgo.
package core
