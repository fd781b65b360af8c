package history

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// CutBands and DistBands are the bands pocketing is broken down by: cut
// angle in degrees, cue ball to object ball in metres. A band holds
// [Lo, Hi); the last one is open-ended.
var (
	CutBands  = []float64{0, 15, 30, 45, 60, 90}
	DistBands = []float64{0, 0.5, 1.0, 1.5, math.Inf(1)}
)

// Stats are the figures of a set of shots.
type Stats struct {
	From    *time.Time `json:"from,omitempty"`
	To      time.Time  `json:"to"`
	Range   string     `json:"time_range,omitempty"`
	Player  string     `json:"player,omitempty"`
	Shots   int        `json:"shots"`
	Games   int        `json:"games"`
	Racks   int        `json:"racks"`
	Players []string   `json:"players"`

	Pocketing Pocketing      `json:"pocketing"`
	Breaks    Breaks         `json:"breaks"`
	Fouls     map[string]int `json:"fouls"`
	FoulShots int            `json:"foul_shots"` // shots with at least one foul
	Runs      Runs           `json:"runs"`
	Position  ErrorStats     `json:"position"`   // cue ball rest against the prediction, cm
	Path      ErrorStats     `json:"path"`       // object ball path against the prediction, cm
	EndError  ErrorStats     `json:"end_error"`  // object ball rest against the prediction, cm
	Predicted Agreement      `json:"prediction"` // how often the prediction's first ball and outcome were right

	// PerPlayer has the headline figures of each player (only without a
	// player filter).
	PerPlayer []PlayerStats `json:"per_player,omitempty"`
}

// Pocketing is made/attempted overall and by band.
type Pocketing struct {
	Attempts   int     `json:"attempts"`
	Made       int     `json:"made"`
	Pct        float64 `json:"pct"`
	ByCut      []Band  `json:"by_cut"`
	ByDistance []Band  `json:"by_distance"`
	Unbanded   int     `json:"unbanded"` // attempts whose cut angle could not be measured
}

// Band is pocketing within [Lo, Hi).
type Band struct {
	Lo       float64 `json:"lo"`
	Hi       float64 `json:"hi"` // JSON has no infinity: the open band's Hi is 0
	Label    string  `json:"label"`
	Attempts int     `json:"attempts"`
	Made     int     `json:"made"`
	Pct      float64 `json:"pct"`
}

// Breaks are the break shots.
type Breaks struct {
	Count          int     `json:"count"`
	BallsMade      int     `json:"balls_made"`
	AvgBallsMade   float64 `json:"avg_balls_made"`
	Dry            int     `json:"dry"` // nothing pocketed
	Scratches      int     `json:"scratches"`
	AvgSpreadCM    float64 `json:"avg_spread_cm"`
	AvgBallsToRail float64 `json:"avg_balls_to_rail"`
}

// Runs are innings (a player's visit to the table) and the balls made in
// them.
type Runs struct {
	Innings      int     `json:"innings"`
	AvgRun       float64 `json:"avg_run"` // object balls legally made per inning
	BestRun      int     `json:"best_run"`
	RunOuts      int     `json:"run_outs"`
	BreakAndRuns int     `json:"break_and_runs"`
	Histogram    []int   `json:"histogram"` // innings by balls made: [0], [1], ..., last bucket is >= len-1
}

// ErrorStats summarise a distance error in cm.
type ErrorStats struct {
	N      int     `json:"n"`
	Mean   float64 `json:"mean_cm"`
	Median float64 `json:"median_cm"`
	P90    float64 `json:"p90_cm"`
}

// Agreement counts predictions that were right.
type Agreement struct {
	Shots        int     `json:"shots"` // shots with a prediction shown
	TargetAgree  int     `json:"target_agree"`
	TargetN      int     `json:"target_n"`
	OutcomeAgree int     `json:"outcome_agree"`
	OutcomePct   float64 `json:"outcome_pct"`
}

// PlayerStats are one player's headline figures.
type PlayerStats struct {
	Player       string  `json:"player"`
	Shots        int     `json:"shots"`
	Attempts     int     `json:"attempts"`
	Made         int     `json:"made"`
	PocketingPct float64 `json:"pocketing_pct"`
	Fouls        int     `json:"fouls"`
	AvgRun       float64 `json:"avg_run"`
	RunOuts      int     `json:"run_outs"`
	PositionCM   float64 `json:"position_median_cm"`
}

// Row is the part of a shot the statistics read: a compact value the store
// scans straight into (no record, no pointers), so statistics over 100,000
// shots stay cheap. Unknown figures are NaN (floats) or -1 (agreements).
type Row struct {
	Rack         int64
	EndedNS      int64
	Seq          int64 // tie-break for shots that ended at the same time
	GameID       string
	Shooter      string
	Winner       string
	Flags        RowFlags
	Made         int
	BallsToRail  int
	Fouls        string // comma-separated codes
	Cut, Dist    float64
	Pos, Path    float64
	EndErr       float64
	Spread       float64
	TargetAgree  int8
	OutcomeAgree int8
}

// RowFlags are a shot's yes/no figures.
type RowFlags uint16

const (
	FlagBreak RowFlags = 1 << iota
	FlagAttempt
	FlagPotted
	FlagScratch
	FlagLegal
	FlagTurnOver
	FlagGameOver
	FlagCleared
)

// RowOf is the Row of a shot.
func RowOf(s *Shot, seq int64) Row {
	f := &s.Features
	r := Row{Rack: s.Rack, EndedNS: s.Ended.UnixNano(), Seq: seq, GameID: s.GameID, Shooter: s.Shooter, Winner: f.Winner,
		Made: f.Made, BallsToRail: f.BallsToRail, Fouls: strings.Join(f.Fouls, ","),
		Cut: nan(f.CutDeg), Dist: nan(f.DistM), Pos: nan(f.PositionErrCM), Path: nan(f.PathErrCM), EndErr: nan(f.EndErrCM), Spread: nan(f.SpreadCM),
		TargetAgree: tri(f.TargetAgree), OutcomeAgree: tri(f.OutcomeAgree)}
	for _, b := range []struct {
		on bool
		f  RowFlags
	}{{f.Break, FlagBreak}, {f.Attempt, FlagAttempt}, {f.Potted, FlagPotted}, {f.Scratch, FlagScratch}, {f.Legal, FlagLegal},
		{f.TurnOver, FlagTurnOver}, {f.GameOver, FlagGameOver}, {f.Cleared, FlagCleared}} {
		if b.on {
			r.Flags |= b.f
		}
	}
	return r
}

func nan(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

func tri(p *bool) int8 {
	switch {
	case p == nil:
		return -1
	case *p:
		return 1
	}
	return 0
}

// Aggregate computes Stats over shots (any order; Record is not needed).
func Aggregate(shots []Shot) Stats {
	rows := make([]Row, len(shots))
	for i := range shots {
		rows[i] = RowOf(&shots[i], int64(i))
	}
	return AggregateRows(rows)
}

// AggregateRows computes Stats over rows, which it sorts in place.
// Innings are found per rack, in time order: an inning goes on while the
// same shooter shoots and the previous shot did not turn the table over. A
// run-out is an inning that ends its rack with its shooter winning it (in
// practice: clearing the table) and is the shooter's first inning of the
// rack; a break-and-run is one that began with the break.
func AggregateRows(rows []Row) Stats {
	st := Stats{Fouls: map[string]int{}, Players: []string{}}
	st.Pocketing.ByCut = bands(CutBands, "°")
	st.Pocketing.ByDistance = bands(DistBands, " m")
	st.Runs.Histogram = make([]int, 9)
	st.Shots = len(rows)
	if len(rows) == 0 {
		return st
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := &rows[i], &rows[j]
		if a.Rack != b.Rack {
			return a.Rack < b.Rack
		}
		if a.EndedNS != b.EndedNS {
			return a.EndedNS < b.EndedNS
		}
		return a.Seq < b.Seq
	})
	games, racks, players := map[string]bool{}, map[int64]bool{}, map[string]*playerAcc{}
	var pos, path, endErr []float64
	var spreadSum float64
	var spreadN, railSum int
	var pa *playerAcc
	for i := range rows {
		r := &rows[i]
		if r.GameID != "" {
			games[r.GameID] = true
		}
		racks[r.Rack] = true
		if pa == nil || pa.Player != r.Shooter {
			pa = players[r.Shooter]
			if pa == nil {
				pa = &playerAcc{PlayerStats: PlayerStats{Player: r.Shooter}}
				players[r.Shooter] = pa
			}
		}
		pa.Shots++
		potted := r.Flags&FlagPotted != 0
		if r.Flags&FlagAttempt != 0 {
			st.Pocketing.Attempts++
			pa.Attempts++
			if potted {
				st.Pocketing.Made++
				pa.Made++
			}
			if !math.IsNaN(r.Cut) {
				addBand(st.Pocketing.ByCut, r.Cut, potted)
			} else {
				st.Pocketing.Unbanded++
			}
			if !math.IsNaN(r.Dist) {
				addBand(st.Pocketing.ByDistance, r.Dist, potted)
			}
		}
		if r.Flags&FlagBreak != 0 {
			b := &st.Breaks
			b.Count++
			b.BallsMade += r.Made
			if r.Made == 0 {
				b.Dry++
			}
			if r.Flags&FlagScratch != 0 {
				b.Scratches++
			}
			if !math.IsNaN(r.Spread) {
				spreadSum += r.Spread
				spreadN++
			}
			railSum += r.BallsToRail
		}
		if r.Fouls != "" {
			for f := range strings.SplitSeq(r.Fouls, ",") {
				st.Fouls[f]++
			}
			st.FoulShots++
			pa.Fouls++
		}
		if !math.IsNaN(r.Pos) {
			pos = append(pos, r.Pos)
			pa.pos = append(pa.pos, r.Pos)
		}
		if !math.IsNaN(r.Path) {
			path = append(path, r.Path)
		}
		if !math.IsNaN(r.EndErr) {
			endErr = append(endErr, r.EndErr)
		}
		if r.TargetAgree >= 0 {
			st.Predicted.TargetN++
			st.Predicted.TargetAgree += int(r.TargetAgree)
		}
		if r.OutcomeAgree >= 0 {
			st.Predicted.Shots++
			st.Predicted.OutcomeAgree += int(r.OutcomeAgree)
		}
	}
	innings(rows, &st.Runs, players)

	st.Games, st.Racks = len(games), len(racks)
	st.Pocketing.Pct = pct(st.Pocketing.Made, st.Pocketing.Attempts)
	for _, bs := range [][]Band{st.Pocketing.ByCut, st.Pocketing.ByDistance} {
		for i := range bs {
			bs[i].Pct = pct(bs[i].Made, bs[i].Attempts)
		}
	}
	if b := &st.Breaks; b.Count > 0 {
		b.AvgBallsMade = round2(float64(b.BallsMade) / float64(b.Count))
		b.AvgBallsToRail = round2(float64(railSum) / float64(b.Count))
		if spreadN > 0 {
			b.AvgSpreadCM = round2(spreadSum / float64(spreadN))
		}
	}
	st.Position, st.Path, st.EndError = errStats(pos), errStats(path), errStats(endErr)
	st.Predicted.OutcomePct = pct(st.Predicted.OutcomeAgree, st.Predicted.Shots)
	names := sortedKeys(players)
	for _, n := range names {
		if n != "" {
			st.Players = append(st.Players, n)
		}
	}
	if len(names) > 1 || (len(names) == 1 && names[0] != "") {
		for _, n := range names {
			pa := players[n]
			pa.PocketingPct = pct(pa.Made, pa.Attempts)
			if pa.innings > 0 {
				pa.AvgRun = round2(float64(pa.balls) / float64(pa.innings))
			}
			pa.PositionCM = errStats(pa.pos).Median
			st.PerPlayer = append(st.PerPlayer, pa.PlayerStats)
		}
	}
	return st
}

type playerAcc struct {
	PlayerStats
	pos            []float64
	innings, balls int
}

// innings walks rows sorted by rack and time.
func innings(rows []Row, r *Runs, players map[string]*playerAcc) {
	totalBalls := 0
	for i := 0; i < len(rows); {
		// One rack: [i, j).
		j := i
		for j < len(rows) && rows[j].Rack == rows[i].Rack {
			j++
		}
		var visited []string // shooters who have had an inning in this rack
		for k := i; k < j; {
			// One inning: [k, m).
			shooter := rows[k].Shooter
			m, balls := k, 0
			for m < j && rows[m].Shooter == shooter {
				f := rows[m].Flags
				if f&FlagLegal != 0 {
					balls += rows[m].Made
				}
				m++
				if f&(FlagTurnOver|FlagGameOver|FlagCleared) != 0 {
					break
				}
			}
			r.Innings++
			totalBalls += balls
			if balls > r.BestRun {
				r.BestRun = balls
			}
			r.Histogram[min(balls, len(r.Histogram)-1)]++
			pa := players[shooter]
			pa.innings++
			pa.balls += balls
			last := &rows[m-1]
			won := last.Flags&FlagGameOver != 0 && last.Winner == shooter && shooter != "" ||
				last.GameID == "" && last.Flags&FlagCleared != 0 && last.Flags&FlagLegal != 0
			if won && indexOf(visited, shooter) < 0 {
				r.RunOuts++
				pa.RunOuts++
				if rows[k].Flags&FlagBreak != 0 {
					r.BreakAndRuns++
				}
			}
			if indexOf(visited, shooter) < 0 {
				visited = append(visited, shooter)
			}
			k = m
		}
		i = j
	}
	if r.Innings > 0 {
		r.AvgRun = round2(float64(totalBalls) / float64(r.Innings))
	}
}

func bands(edges []float64, unit string) []Band {
	b := make([]Band, len(edges)-1)
	for i := range b {
		b[i].Lo, b[i].Hi = edges[i], edges[i+1]
		if math.IsInf(b[i].Hi, 1) {
			b[i].Hi = 0
			b[i].Label = trimFloat(b[i].Lo) + unit + "+"
		} else {
			b[i].Label = trimFloat(b[i].Lo) + "–" + trimFloat(b[i].Hi) + unit
		}
	}
	return b
}

func addBand(bs []Band, v float64, made bool) {
	for i := range bs {
		if v >= bs[i].Lo && (v < bs[i].Hi || bs[i].Hi == 0 || i == len(bs)-1 && v <= bs[i].Hi) {
			bs[i].Attempts++
			if made {
				bs[i].Made++
			}
			return
		}
	}
}

func errStats(v []float64) ErrorStats {
	if len(v) == 0 {
		return ErrorStats{}
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	sum := 0.0
	for _, x := range s {
		sum += x
	}
	return ErrorStats{N: len(s), Mean: round2(sum / float64(len(s))), Median: round2(quantile(s, 0.5)), P90: round2(quantile(s, 0.9))}
}

// quantile of sorted s by linear interpolation.
func quantile(s []float64, q float64) float64 {
	if len(s) == 1 {
		return s[0]
	}
	x := q * float64(len(s)-1)
	i := int(x)
	if i >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[i] + (x-float64(i))*(s[i+1]-s[i])
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return round2(100 * float64(a) / float64(b))
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func trimFloat(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
