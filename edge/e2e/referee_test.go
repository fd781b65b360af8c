package e2e

import (
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	gamesvc "github.com/cuecast/cuecast/edge/game"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/referee"
	"github.com/cuecast/cuecast/edge/sim"
)

// refUmpire is the real referee ruling on the simulator's game: the truth
// of each shot (what the physics did) goes to edge/referee, and its
// decision drives the table (who shoots, ball in hand, respots, the rack's
// end), as a referee's word does at a real table. One referee per rack.
type refUmpire struct {
	game    referee.Game
	ref     *referee.Referee
	players []string
	errs    []string
}

func (u *refUmpire) NewRack(game string, players [2]string, breaker string) {
	other := players[0]
	if breaker == players[0] {
		other = players[1]
	}
	u.players = []string{breaker, other}
	r, err := referee.New(referee.Config{Game: u.game, Players: u.players})
	if err != nil {
		panic(err) // fixed, valid configuration
	}
	u.ref = r
}

func (u *refUmpire) Judge(rec *model.ShotRecord) sim.Ruling {
	d, err := judge(u.ref, rec)
	if err != nil {
		u.errs = append(u.errs, fmt.Sprintf("shot %d: %v", rec.Number, err))
	}
	st := u.ref.State()
	r := sim.Ruling{Decision: d, Next: st.Turn, BallInHand: st.BallInHand, Respot: d.Respot, Targets: st.LegalFirst, RackOver: st.Over}
	if d.Next != "" {
		r.Next = d.Next
	}
	return r
}

// judge gives the referee one shot as the game service would: the
// tracker's (or the truth's) summary, the shooter and the call.
func judge(r *referee.Referee, rec *model.ShotRecord) (model.Decision, error) {
	s := referee.FromSummary(rec.Shooter, &rec.Summary)
	s.Called, s.PushOut = rec.Called, rec.PushOut
	d, err := r.JudgeWith(s, nil, true)
	if err != nil && s.Called != nil {
		// A call the referee refuses (not the shooter's ball by its
		// reading of the table): judge the shot uncalled.
		s.Called = nil
		d, err = r.JudgeWith(s, nil, true)
	}
	return d, err
}

// rackLog is one rack as played: the truth's shot records in order, and
// the frames their shots started at.
type rackLog struct {
	kind    referee.Game
	players []string
	shots   []*model.ShotRecord
	starts  []int
}

// decisionScore counts the referee's decisions on the tracker's shots that
// agree with its decisions on the truth.
type decisionScore struct {
	shots, right, unseen, refused int
	replayOff                     int // the test's own check: replays that do not reproduce the game
	// named: shots in which the game named a ball the tracker could not
	// (namedRight: every name the truth's); uncertain: decisions that
	// gave the shooter a doubt (uncertainRight: right all the same).
	named, namedRight, uncertain, uncertainRight int
	why                                          map[string]int
	notes                                        []string
}

func (d *decisionScore) add(o decisionScore) {
	d.shots += o.shots
	d.right += o.right
	d.unseen += o.unseen
	d.refused += o.refused
	d.replayOff += o.replayOff
	d.named += o.named
	d.namedRight += o.namedRight
	d.uncertain += o.uncertain
	d.uncertainRight += o.uncertainRight
	if d.why == nil {
		d.why = map[string]int{}
	}
	for k, v := range o.why {
		d.why[k] += v
	}
	d.notes = append(d.notes, o.notes...)
}

func (d decisionScore) String() string {
	var ws []string
	for k, v := range d.why {
		ws = append(ws, fmt.Sprintf("%s: %d", k, v))
	}
	sort.Strings(ws)
	return fmt.Sprintf("decisions %d: right %d (%.1f%%), wrong %d (shot not seen %d, input refused %d); why wrong: %s; "+
		"balls named by the game in %d shots (all names right in %d); decisions with a doubt %d (right %d)",
		d.shots, d.right, pct(d.right, d.shots), d.shots-d.right, d.unseen, d.refused, strings.Join(ws, "; "),
		d.named, d.namedRight, d.uncertain, d.uncertainRight)
}

// sameDecision compares what players act on: legal or not, the fouls, whose
// turn, ball in hand, the rack's end and its winner.
func sameDecision(a, b model.Decision) bool {
	fa, fb := slices.Clone(a.Fouls), slices.Clone(b.Fouls)
	slices.Sort(fa)
	slices.Sort(fb)
	return a.Legal == b.Legal && slices.Equal(fa, fb) && a.TurnOver == b.TurnOver && a.BallInHand == b.BallInHand &&
		a.GameOver == b.GameOver && (a.Winner == nil) == (b.Winner == nil) && (a.Winner == nil || *a.Winner == *b.Winner)
}

// scoreRack judges each of the rack's shots as the tracker saw it, on a
// referee that has seen the truth of the shots before it (so one wrong
// decision does not spoil the rest), and compares with the decision on
// the truth. As the game service does, the balls the tracker could not
// name are named first (gamesvc.Identify) from that referee's table and
// where the tracker saw the balls come to rest after the last shot.
func scoreRack(name string, rk *rackLog, got []stamped) decisionScore {
	ds := decisionScore{why: map[string]int{}}
	gs, _ := spans(got)
	used := make([]bool, len(gs))
	replayed := func(k int) *referee.Referee {
		r, err := referee.New(referee.Config{Game: rk.kind, Players: rk.players})
		if err != nil {
			panic(err)
		}
		for _, prev := range rk.shots[:k] {
			_, _ = judge(r, prev) // replayed as the game went; errors were counted when it was played
		}
		return r
	}
	var lastEnd []model.BallSpot // the tracker's, as named, after its last shot
	for k, truth := range rk.shots {
		ds.shots++
		// The replay must reach the state the game had: judged again, the
		// truth gives the truth's decision.
		if d, err := judge(replayed(k), truth); err != nil || !sameDecision(d, *truth.Decision) {
			ds.replayOff++
			ds.notes = append(ds.notes, fmt.Sprintf("%s shot %d: the replayed referee rules the truth %v (%v), the game had %v", name, truth.Number, d.Fouls, err, truth.Decision.Fouls))
		}
		r := replayed(k)
		var sum *model.ShotSummary
		for j, g := range gs {
			if !used[j] && g.sum != nil && g.start >= rk.starts[k]-shotWindow && g.start <= rk.starts[k]+shotWindow {
				used[j], sum = true, g.sum
				break
			}
		}
		note := func(why, detail string) {
			ds.why[why]++
			ds.notes = append(ds.notes, fmt.Sprintf("%s shot %d (frame %d, %s): %s: %s", name, truth.Number, rk.starts[k], truth.Shooter, why, detail))
		}
		if sum == nil {
			ds.unseen++
			note("shot not seen", "the tracker reported no shot here")
			continue
		}
		st := r.State()
		named, names := gamesvc.Identify(sum, st.OnTable, gamesvc.RestSpots(rk.kind, st, lastEnd, model.Table9ft))
		lastEnd = named.End
		if len(names) > 0 {
			ds.named++
			if ok := namesRight(names, sum, &truth.Summary); ok {
				ds.namedRight++
			} else {
				ds.notes = append(ds.notes, fmt.Sprintf("%s shot %d: the game named %v, the truth disagrees", name, truth.Number, names))
			}
		}
		rec := *truth
		rec.Summary = named
		d, err := judge(r, &rec)
		if err != nil {
			ds.refused++
			note("input refused", err.Error())
			continue
		}
		right := sameDecision(d, *truth.Decision)
		if len(d.Uncertain) > 0 {
			ds.uncertain++
			if right {
				ds.uncertainRight++
			}
		}
		if right {
			ds.right++
			continue
		}
		why, detail := explain(&truth.Summary, sum)
		note(why, fmt.Sprintf("fouls %v legal %v, truth %v legal %v (%s)", d.Fouls, d.Legal, truth.Decision.Fouls, truth.Decision.Legal, detail))
	}
	return ds
}

// namesRight checks the game's names against the truth: each unnamed ball
// at the start lay where the truth has the ball it was named, within a
// ball's radius; one named only later in the shot (at rest, or gone) is
// taken as right when the truth has that ball leave the start spot it held
// or go down in this shot. Names with no place to check are wrong.
func namesRight(names map[string]string, got, truth *model.ShotSummary) bool {
	pos := func(spots []model.BallSpot, id string) (model.Vec2, bool) {
		for _, b := range spots {
			if b.ID == id {
				return b.Pos, true
			}
		}
		return model.Vec2{}, false
	}
	for u, id := range names {
		if p, ok := pos(got.Start, u); ok {
			q, ok := pos(truth.Start, id)
			if !ok || math.Hypot(p.X-q.X, p.Y-q.Y) > model.BallRadius {
				return false
			}
			continue
		}
		if p, ok := pos(got.End, u); ok {
			q, ok := pos(truth.End, id)
			if !ok || math.Hypot(p.X-q.X, p.Y-q.Y) > 2*model.BallRadius {
				return false
			}
			continue
		}
		if _, down := truth.Pocketed[id]; !down && !slices.ContainsFunc(truth.Events, func(e model.Event) bool {
			return e.Type == model.EventBallOffTable && slices.Contains(e.Balls, id)
		}) {
			return false
		}
	}
	return true
}

// explain names the first difference between the truth's and the
// tracker's account of a shot that a rule reads.
func explain(w, g *model.ShotSummary) (string, string) {
	first := func(s *model.ShotSummary) string {
		for _, e := range s.Events {
			if e.Type == model.EventBallCollision && slices.Contains(e.Balls, "cue") {
				if e.Balls[0] == "cue" {
					return e.Balls[1]
				}
				return e.Balls[0]
			}
		}
		return ""
	}
	set := func(s *model.ShotSummary, typ string) string {
		var ids []string
		for _, e := range s.Events {
			if e.Type == typ {
				ids = append(ids, e.Balls[0])
			}
		}
		slices.Sort(ids)
		return strings.Join(ids, ",")
	}
	railAfter := func(s *model.ShotSummary) []string {
		var out []string
		seen := false
		for _, e := range s.Events {
			seen = seen || e.Type == model.EventBallCollision && slices.Contains(e.Balls, "cue")
			if seen && e.Type == model.EventBallCushion {
				out = append(out, e.Balls[0]+"@"+e.Rail)
			}
		}
		return out
	}
	railBalls := func(s *model.ShotSummary) int {
		m := map[string]bool{}
		for _, e := range s.Events {
			if e.Type == model.EventBallCushion && e.Balls[0] != "cue" {
				m[e.Balls[0]] = true
			}
		}
		return len(m)
	}
	pocketed := func(s *model.ShotSummary) string {
		ks := slices.Sorted(maps.Keys(s.Pocketed))
		var out []string
		for _, k := range ks {
			out = append(out, k+">"+s.Pocketed[k])
		}
		return strings.Join(out, ",")
	}
	cue := func(s *model.ShotSummary) (model.Vec2, bool) {
		for _, b := range s.Start {
			if b.ID == "cue" {
				return b.Pos, true
			}
		}
		return model.Vec2{}, false
	}
	cw, okw := cue(w)
	cg, okg := cue(g)
	switch {
	case okw != okg || math.Hypot(cw.X-cg.X, cw.Y-cg.Y) > 0.03:
		return "cue ball's start spot", fmt.Sprintf("tracker %v (%.3f, %.3f), truth (%.3f, %.3f)", okg, cg.X, cg.Y, cw.X, cw.Y)
	case first(w) != first(g):
		return "first contact", fmt.Sprintf("tracker %q, truth %q", first(g), first(w))
	case pocketed(w) != pocketed(g):
		return "pocketed balls", fmt.Sprintf("tracker %s, truth %s", pocketed(g), pocketed(w))
	case set(w, model.EventBallOffTable) != set(g, model.EventBallOffTable):
		return "ball off the table", fmt.Sprintf("tracker %q, truth %q", set(g, model.EventBallOffTable), set(w, model.EventBallOffTable))
	case (len(railAfter(w)) == 0) != (len(railAfter(g)) == 0):
		return "rail after contact", fmt.Sprintf("tracker %v, truth %v", railAfter(g), railAfter(w))
	case (railBalls(w) >= 4) != (railBalls(g) >= 4):
		return "balls to a rail on the break", fmt.Sprintf("tracker %d, truth %d", railBalls(g), railBalls(w))
	case !slices.Equal(w.Frozen, g.Frozen):
		return "frozen balls", fmt.Sprintf("tracker %v, truth %v", g.Frozen, w.Frozen)
	}
	return "other", "the rules read the same events differently (placement, frozen-ball rail contacts)"
}

// TestRefereeThroughVision plays whole racks of 8-ball and 9-ball in the
// simulator, refereed on the truth by edge/referee, through the real vision
// stage and the tracker, and judges every shot again from what the tracker
// reported (its shot summary, with the shooter and the call the players
// gave). It reports how many decisions agree with the referee's on the
// truth, and why the others differ.
//
// The default run plays the first 75 s of one game of each; with
// CUECAST_E2E_GAME_RACKS=N it plays N whole racks of each (20 for the
// issue's figure: about 90 minutes of play, hours here); CUECAST_E2E_GAME
// =8ball or 9ball plays one of the two (run them side by side):
//
//	CUECAST_E2E_GAME_RACKS=20 go test ./edge/e2e -run TestRefereeThroughVision -v -timeout 10h
func TestRefereeThroughVision(t *testing.T) {
	if testing.Short() {
		t.Skip("renders and detects minutes of 720p frames")
	}
	racks, _ := strconv.Atoi(os.Getenv("CUECAST_E2E_GAME_RACKS"))
	only := os.Getenv("CUECAST_E2E_GAME") // 8ball or 9ball: play only that one (run the two in parallel)
	var all decisionScore
	start := time.Now()
	for _, c := range []struct {
		kind     referee.Game
		lighting string
		seed     int64
	}{{referee.EightBall, "lamps", 41}, {referee.NineBall, "even", 42}} {
		if only != "" && only != string(c.kind) {
			continue
		}
		u := &refUmpire{game: c.kind}
		var logs []*rackLog
		var cur *rackLog
		done := 0
		g := game{scenario: string(c.kind), lighting: c.lighting, seed: c.seed, frames: 75 * fps, umpire: u}
		if racks > 0 {
			g.frames = racks * 400 * fps // a bound; until ends it
			g.until = func() bool { return done >= racks }
		}
		sc := newScorer(g.String())
		started := 0
		play(t, g, func(i int, f *frame) {
			sc.add(i, f)
			for _, e := range f.truth.Events {
				switch e.Type {
				case model.EventRackDetected:
					cur = &rackLog{kind: c.kind}
					logs = append(logs, cur)
				case model.EventShotStarted:
					started = i
				case model.EventShot:
					if cur.players == nil {
						// The breaker first, as the umpire set the rack up
						// (a replay from CUECAST_E2E_CACHE has no umpire).
						b := e.Record.Shooter
						cur.players = []string{b, sim.Players[0]}
						if b == sim.Players[0] {
							cur.players[1] = sim.Players[1]
						}
					}
					cur.shots = append(cur.shots, e.Record)
					cur.starts = append(cur.starts, started)
					if e.Record.Decision.GameOver {
						done++
					}
				}
			}
		})
		var ds decisionScore
		for k, rk := range logs {
			if len(rk.shots) > 0 {
				ds.add(scoreRack(fmt.Sprintf("%s rack %d", c.kind, k+1), rk, sc.got))
			}
		}
		t.Logf("%s: %d racks started, %d finished, %d frames: %v", c.kind, len(logs), done, sc.frames, ds)
		for _, e := range u.errs {
			t.Logf("%s: the referee refused the truth: %s", c.kind, e)
		}
		if len(u.errs) > 0 {
			t.Errorf("%s: the referee refused %d of the truth's shots", c.kind, len(u.errs))
		}
		all.add(ds)
	}
	t.Logf("total %v: %v", time.Since(start).Round(time.Second), all)
	for _, n := range all.notes {
		t.Log(n)
	}
	if all.shots < 10 {
		t.Fatalf("only %d shots judged: the test proves little", all.shots)
	}
	if all.replayOff > 0 {
		t.Errorf("%d replays did not reproduce the game's decision on the truth: the comparison is unsound", all.replayOff)
	}
	// Today's figure with margin (docs/game.md): raise it as the tracker
	// and vision improve.
	if r := float64(all.right) / float64(all.shots); r < 0.8 {
		t.Errorf("%.1f%% of decisions agree with the referee on the truth, want >= 80%%", 100*r)
	}
}
