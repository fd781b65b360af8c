// Package recorder keeps every shot: it is a hub consumer, the equal of the
// WebSocket server and the MQTT mirror, that turns the event stream into
// history (edge/store) and runs drills.
//
// # Shots
//
// Each `shot_ended` event (the tracker's summary) becomes a provisional
// shot at once: a ShotRecord with its own id, the trajectory the projector
// showed last before the strike as its prediction, and the figures history
// derives. When the game layer's `shot` event for the same shot arrives
// (its end within ShotMatchWindow of the provisional one's), it replaces the
// provisional shot in the store, keeping its session, rack and pictures: the
// judged record is the one kept. A `shot` event with no provisional partner
// is stored as it is.
//
// Pictures: while the table is still, the imager keeps a recent JPEG from
// the video path (Options.Snapshot, at most one every 2 s); when a shot
// starts that one becomes the shot's "before" picture, and a fresh one
// taken after the shot ended is its "after" picture. Both are scaled to
// ThumbWidth pixels and stored beside the shot.
//
// After each stored shot the session's summary is published on the event
// stream as a `session_summary` event (at most one a second), and a shot
// that ends a game publishes a `game_finished` event with the game's
// figures; the MQTT mirror puts them on base/session (retained) and
// base/game.
//
// # Drills
//
// StartDrill makes a drill active for a player. The recorder compares the
// state stream with the drill's set-up (every ball within 1 cm of its
// spot), publishes a `drill` event whenever that changes (the projector
// draws the spots and zones from it), scores the attempt from the shots
// that follow a matched set-up (history.Drill.Judge) and stores it.
//
// # Concurrency
//
// Start runs three goroutines owned by the Recorder: consume (hub client:
// events, trajectories, states), imager (snapshots, thumbnails) and notify
// (summaries after the store acknowledges a shot). Nothing here blocks the
// hub: writes go to the store's bounded queue, pictures to a bounded queue
// of the imager, and a recorder that falls behind the event stream resumes
// from the hub's history. Close stops them all and is safe twice. The drill
// methods are safe for concurrent use (HTTP handlers call them).
package recorder
