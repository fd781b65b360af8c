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
//   - Confirmation: vision misses balls and sees false ones (a ball read
//     twice, fingers of the bridge hand, a stick the colour of the cloth).
//     A new track is tentative, unpublished and eventless until seen in
//     ConfirmFrames of the last ConfirmWindow frames, never along the
//     stick or by its tip while a cue is seen, and never beyond MaxBalls
//     balls (a 17th retires the ball unseen the longest at rest). A track
//     confirmed in a shot adopts the identity of the ball vision lost
//     there (a fast ball that left its gate, a blurred one missed for a
//     few frames): the nearest unseen ball within rolling reach, its
//     number readings weighing.
//   - Identity: ids are ball ids ("cue", "1".."15") from the class (cue,
//     eight) or from votes over the numbers vision reported; a ball never
//     identified is "?N". An id never moves between two live tracks, and
//     is taken from another track only once that one has been unseen at
//     rest for half a second. A moving ball is blurred: its readings weigh
//     a quarter, and a disagreeing reading costs instead of refusing it.
//   - Smoothing: a ball at rest has a position-only estimate; it starts
//     moving only after consecutive measurements step away from it in line
//     by more than noise can (so detection noise, an outlier or a ball put
//     down by hand never starts a shot), and only the cue ball can start
//     while no shot is known (object balls too while the cue ball is hidden
//     under the cue or leaving). Moving, an alpha-beta filter in table
//     metres gives velocities in m/s; it stops when its displacement over
//     the last frames is what a nearly still ball gives.
//   - Occlusion: an unseen ball is kept, predicted and marked occluded; a
//     still one for HoldStill (a hand resting over it), a moving one until
//     it is lost near a pocket (pocketed) or stops being plausible.
//   - Events (model.Event*): shot_started, ball_collision (two moving paths
//     within touching distance inside a frame, or a ball set moving where a
//     moving ball's recent path touched it), ball_pocketed (a ball in play
//     lost where its path meets a pocket mouth and not seen again for
//     PocketConfirm), shot_ended (first contact, pocketed balls with
//     pockets, scratch), rack_detected (15 object balls packed in a
//     triangle at either end spot), table_cleared. docs/sim.md has the rules.
//   - The game layer's events (rails.go, shot.go): cue_strike (the launch
//     fitted from the cue ball's first measurements), ball_cushion (a
//     reflection in a ball's own measurements: two straight legs meeting a
//     rail's contact line at the same moment), ball_off_table (a ball lost
//     over a rail at speed and gone for OffTableConfirm). Each is stamped
//     with the moment it happened, which can be frames before it is
//     reported. shot_ended's summary carries the start and end spots, the
//     balls frozen to a rail at the strike, the shot's ordered events and
//     each moving ball's measured path (decimated, bounded).
//     docs/game.md ("What the tracker sees") has the rules and figures.
//   - Two detections closer than any two balls can be are merged into one
//     (a fast ball's blur split in two by vision).
//
// Every event Update returns is meant to be published on the event stream:
// nothing here logs an event instead of returning it.
//
// Concurrency: a Tracker belongs to one goroutine. The State that Update
// returns and its Balls slice are reused by the next Update; the events
// slice too. Copy what you keep. core imports no transport and no cgo.
package core
