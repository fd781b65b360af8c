package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cuecast/cuecast/edge/game"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/referee"
)

func init() {
	register("referee", "re-judge a game: shot records as JSON lines on stdin, one decision per shot as JSON lines on stdout", runReferee)
}

func runReferee(args []string) int { return refereeMain(args, os.Stdin, os.Stdout, os.Stderr) }

// refereeOut is one output line (docs/game.md): every field is always
// present, null where it does not apply.
type refereeOut struct {
	Shot       int               `json:"shot"`
	Shooter    string            `json:"shooter"`
	Legal      bool              `json:"legal"`
	Fouls      []string          `json:"fouls"`
	Rule       string            `json:"rule"`
	TurnOver   bool              `json:"turn_over"`
	BallInHand *string           `json:"ball_in_hand"`
	GameOver   bool              `json:"game_over"`
	Winner     *string           `json:"winner"`
	Group      map[string]string `json:"group"`
	Message    string            `json:"message"`
	Next       *string           `json:"next"`
	Respot     []model.BallSpot  `json:"respot,omitempty"`
	Options    []string          `json:"options,omitempty"`
	Overruled  bool              `json:"overruled,omitempty"`
	Edition    string            `json:"edition"` // the WPA rules' edition rule is numbered by
	// Uncertain: what the camera could not tell, decided for the shooter.
	Uncertain []string `json:"uncertain,omitempty"`
	// Identified: the balls of a shot record the game named ("?7": "3").
	Identified map[string]string `json:"identified,omitempty"`
}

func strOrNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// maxRefereeLine bounds one input line (a shot with measured paths is a
// few tens of kilobytes).
const maxRefereeLine = 8 << 20

func refereeMain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("referee", flag.ContinueOnError)
	fs.SetOutput(stderr)
	gameName := fs.String("game", "", "the game: 8ball, 9ball, 10ball or practice (required)")
	players := fs.String("players", "", "the players' names, comma separated, the first breaks: A,B")
	bih := fs.String("ball-in-hand", referee.PlaceAnywhere, "where the cue ball in hand may be placed after a foul: anywhere (WPA) or kitchen")
	callAll := fs.Bool("call-all", false, "every shot is called (ball and pocket), not only the 8")
	table := fs.String("table", "9ft", "the table: 9ft, 8ft or 7ft")
	rules := fs.String("rules", referee.DefaultEdition, "the edition of the WPA rules whose numbers decisions cite: 2016 (World Standardized Rules) or 2025 (Rules of Play, effective 2025-09-15)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: cuecast referee --game 8ball|9ball|10ball|practice --players A,B [--rules 2016|2025] [flags] < shots.jsonl > decisions.jsonl")
		fmt.Fprintln(stderr, "Reads one shot per line (docs/game.md) and prints the referee's decision for each. Bad input stops at that line with exit status 2.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 || *gameName == "" {
		fs.Usage()
		return 2
	}
	g, err := referee.ParseGame(*gameName)
	if err != nil {
		fmt.Fprintln(stderr, "cuecast referee: --game:", err)
		return 2
	}
	ed, err := referee.ParseEdition(*rules)
	if err != nil {
		fmt.Fprintln(stderr, "cuecast referee: --rules:", err)
		return 2
	}
	cfg := referee.Config{Game: g, BallInHand: *bih, CallAll: *callAll, Edition: ed}
	if *players != "" {
		for _, p := range strings.Split(*players, ",") {
			cfg.Players = append(cfg.Players, strings.TrimSpace(p))
		}
	}
	switch *table {
	case "9ft":
		cfg.Table = model.Table9ft
	case "8ft":
		cfg.Table = model.Table8ft
	case "7ft":
		cfg.Table = model.Table7ft
	default:
		fmt.Fprintf(stderr, "cuecast referee: --table %q: want 9ft, 8ft or 7ft\n", *table)
		return 2
	}
	ref, err := referee.New(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "cuecast referee:", err)
		return 2
	}
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64<<10), maxRefereeLine)
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	line := 0
	var lastEnd []model.BallSpot // where the last shot left the balls
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 || b[0] == '#' {
			continue
		}
		s, o, rec, err := decodeRefereeLine(b)
		if err == nil {
			var named map[string]string
			if rec != nil && g != referee.Practice {
				// A record is named as the game service names it: from the
				// game so far and where the last shot left the balls.
				st := ref.State()
				sum, nm := game.Identify(&rec.Summary, st.OnTable, game.RestSpots(g, st, lastEnd, cfg.Table))
				s, named = referee.FromSummary(rec.Shooter, &sum), nm
				s.Called, s.PushOut = rec.Called, rec.PushOut
			}
			var d model.Decision
			d, err = ref.JudgeWith(s, o, false)
			if err == nil {
				lastEnd = lastEnd[:0]
				for _, b := range s.BallsEnd {
					lastEnd = append(lastEnd, model.BallSpot{ID: b.ID, Pos: model.Vec2{X: b.X, Y: b.Y}})
				}
				enc.Encode(refereeOut{Shot: d.Shot, Shooter: d.Shooter, Legal: d.Legal, Fouls: d.Fouls, Rule: d.Rule,
					TurnOver: d.TurnOver, BallInHand: strOrNull(d.BallInHand), GameOver: d.GameOver, Winner: d.Winner,
					Group: d.Group, Message: d.Message, Next: strOrNull(d.Next), Respot: d.Respot, Options: d.Options, Overruled: d.Overruled,
					Edition: d.Edition, Uncertain: d.Uncertain, Identified: named})
				continue
			}
		}
		out.Flush()
		fmt.Fprintf(stderr, "cuecast referee: line %d: %v\n", line, err)
		return 2
	}
	if err := sc.Err(); err != nil {
		out.Flush()
		fmt.Fprintf(stderr, "cuecast referee: line %d: %v\n", line+1, err)
		return 2
	}
	return 0
}

// decodeRefereeLine reads one input line: a shot in the referee's input
// form, or a shot record as the `shot` event carries it (its summary is
// judged again, rec returned; an overruled decision is replayed as
// overruled).
func decodeRefereeLine(b []byte) (s referee.Shot, o *referee.Override, rec *model.ShotRecord, err error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(b, &probe); err != nil {
		return s, nil, nil, fmt.Errorf("not a JSON object: %v", err)
	}
	if _, isRecord := probe["summary"]; isRecord {
		rec = &model.ShotRecord{}
		if err := json.Unmarshal(b, rec); err != nil {
			return s, nil, nil, fmt.Errorf("shot record: %v", err)
		}
		s = referee.FromSummary(rec.Shooter, &rec.Summary)
		s.Called, s.PushOut = rec.Called, rec.PushOut
		if rec.Decision != nil && rec.Decision.Overruled {
			o = &referee.Override{Fouls: rec.Decision.Fouls}
		}
		return s, o, rec, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return s, nil, nil, fmt.Errorf("shot: %v", err)
	}
	if dec.More() {
		return s, nil, nil, fmt.Errorf("shot: more than one JSON value on the line")
	}
	return s, nil, nil, nil
}
