// Package game is the game service: the game being played at the table.
//
// It keeps the game type, the players, the score (racks won), whose turn it
// is, the 8-ball groups, ball in hand, fouls in a row and the last decision,
// judged by edge/referee. It is fed by the hub: every shot_ended event of the
// event stream becomes the referee's input (free practice when no game is
// set), and the last aiming trajectory before the cue strike is kept as the
// shot's prediction. Before a shot is judged, the balls the tracker could
// not name ("?N") are named where the game knows which ball it must be
// (Identify: where each ball came to rest after the last shot, the rack's
// fixed spots at a break, a named path from the same spot, the one ball
// missing), never where two fit; the record lists the names given
// (ShotRecord.Identified), and the referee judges what stays unnamed with
// the benefit of the doubt. For every shot it publishes a `shot` event on
// the event stream (the model.ShotRecord: events, measured paths,
// prediction, call, decision) and the game's Snapshot on the `game` stream.
//
// What only a person can say comes in as commands (Command; the daemon maps
// them to WebSocket commands and REST routes): a new game with its players
// and settings, the players' names, the call for the next shot, a push-out,
// the incoming player's option, an overrule of any shot's decision. A game's
// settings include the edition of the WPA rules its decisions cite; a game
// that names none takes the service's default (Options.Rules, config
// game.rules), which SetDefaultRules changes for the games that follow. Each
// command may carry an id: a repeated id is answered without being applied
// again. A command that does not fit (an unknown player, a call of a ball
// already pocketed, an overrule of a shot that does not exist) is refused
// with a BadInput error and changes nothing. Every change is published.
//
// The game is kept as its settings plus the ordered list of what happened
// (shots and options) and the overrules; the referee's state is rebuilt
// from it, so an overrule of an old shot re-judges everything after it. It
// is written atomically to the state directory after every change, and a
// restart resumes the game.
//
// Concurrency: Service methods are safe for concurrent use (one mutex
// guards the game); Start runs one goroutine reading the hub, Close stops
// it and is safe twice.
package game
