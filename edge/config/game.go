package config

import "strings"

// Game is the game service's defaults. Owned by edge/game. A reload
// applies to the next game started: the game in progress keeps its rules.
type Game struct {
	// Rules is the edition of the WPA rules whose numbers the referee cites
	// in every decision: "2016", the World Standardized Rules numbering
	// players quote (scratch 6.1, no rail after contact 6.3), or "2025", the
	// Rules of Play effective 2025-09-15 (scratch 3.1, no rail 3.3; numbers
	// from secondary copies, see docs/game.md). A new game may name its own.
	Rules string `toml:"rules" json:"rules"`
}

// ruleEditions mirrors edge/referee's Editions (config imports no game
// package; a test in edge/game checks the two agree).
var ruleEditions = []string{"2016", "2025"}

func defaultGame() Game { return Game{Rules: "2016"} }

func (c *Game) validate(s section) {
	for _, e := range ruleEditions {
		if c.Rules == e {
			return
		}
	}
	s.fail("rules", "%q is not one of %s (the edition of the WPA rules)", c.Rules, strings.Join(ruleEditions, ", "))
}
