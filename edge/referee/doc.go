// Package referee judges pool shots by the WPA World Standardized Rules:
// 8-ball, 9-ball, 10-ball, and free practice.
//
// A shot is judged from what the tracker measured (Shot: the balls at the
// start, the balls frozen to a cushion, the shot's ordered events) and what
// a person said before it (the called ball and pocket, a push-out, an
// option such as passing the table back). Each rule is a predicate over the
// ordered events, as pooltool's rulesets do: the first object ball the cue
// ball touched, whether a ball reached a rail after that contact (a ball
// frozen to a cushion must leave it first), which balls fell and where,
// which left the table. Referee keeps what the rules need between shots:
// whose turn, the groups, the balls still on the table, ball in hand,
// fouls in a row, the push-out window, the incoming player's options, the
// racks won. Judge returns a model.Decision carrying the rule's number and
// one plain sentence for the players.
//
// Rules have identities (RuleID) and numbers: the referee decides by
// identity and numbers every citation, in Decision.Rule and in the message,
// from one table per edition (Config.Edition, Number). Edition2016, the
// default, is the WPA World Standardized Rules numbering players quote (2
// Nine Ball, 3 Eight Ball, 6 Fouls, 8 Definitions, 9 Ten Ball: "Foul
// (6.3): no ball reached a rail after contact"); Edition2025 is the WPA
// Rules of Play effective 2025-09-15 (1 General Rules, 2 Definitions, 3
// Fouls, 4 Eight Ball, 5 Nine Ball, 6 Ten Ball), whose numbers come from
// secondary copies not yet checked against the WPA's PDF. The substance is
// the 2025 text's in both, except two 8-ball points where the 2016 text
// differs (book); docs/game.md says what each rule asks, where it is
// applied and which test covers it. Where the rules leave the benefit of a
// doubt to the shooter (contacts in one instant, a path the events cannot
// place), so does the referee: it calls only the fouls the events
// establish.
//
// A partly blocked view is judged the same way. A ball the camera saw but
// could not name ("?N", IsUnidentified) is judged by what it did: hit
// first, it draws no wrong-ball foul where its name would decide one;
// pocketed, it counts as an object ball for the break and for staying at
// the table, never as the 8, 9 or 10 for a win or a loss; off the table,
// the foul stands. A cue ball seen to set no ball moving while an object
// ball moved has touched one the tracker did not see: no foul for no
// contact, the rail rule counted from that ball's first event. Each such
// point is named in Decision.Uncertain (UncertainCodes) and said in the
// message ("The camera could not name the ball hit first: no foul called;
// overrule if needed."). Naming the balls from what the game knew before
// the shot is the game service's work (edge/game).
//
// The package is pure Go (no cgo, no transport); the game service and the
// `cuecast referee` command drive it.
//
// Concurrency: a Referee is not safe for concurrent use; its owner (one
// game service, one command) serialises calls.
package referee
