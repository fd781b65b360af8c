package game

import (
	"bytes"
	"encoding/json"
	"reflect"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/referee"
)

// Command names (WebSocket: "game_" + name; REST: POST /api/v1/game/<name
// with '-' for '_'>).
const (
	CmdNew      = "new"      // {game, players, ball_in_hand, call_all, alternate_break, rules}
	CmdPlayers  = "players"  // {players}: rename
	CmdCall     = "call"     // {ball, pocket}; ball "" clears the call
	CmdPushOut  = "push_out" // {push_out: true|false}
	CmdOption   = "option"   // {choice, by}
	CmdOverrule = "overrule" // {shot, fouls, reason}
)

// Commands lists the command names.
var Commands = []string{CmdNew, CmdPlayers, CmdCall, CmdPushOut, CmdOption, CmdOverrule}

// Args are a command's arguments; each command reads its own. ID makes
// the command idempotent: a repeated id is answered, not applied again.
type Args struct {
	ID             string    `json:"id,omitempty"`
	Game           string    `json:"game,omitempty"`
	Players        []string  `json:"players,omitempty"`
	BallInHand     string    `json:"ball_in_hand,omitempty"`
	CallAll        *bool     `json:"call_all,omitempty"`
	AlternateBreak *bool     `json:"alternate_break,omitempty"`
	Rules          string    `json:"rules,omitempty"` // new: "2016" or "2025"; absent, the service's default
	Ball           *string   `json:"ball,omitempty"`
	Pocket         string    `json:"pocket,omitempty"`
	PushOut        *bool     `json:"push_out,omitempty"`
	Choice         string    `json:"choice,omitempty"`
	By             string    `json:"by,omitempty"`
	Shot           int       `json:"shot,omitempty"`
	Fouls          *[]string `json:"fouls,omitempty"`
	Reason         string    `json:"reason,omitempty"`
}

// Reply answers a command: the game after it, and whether it was applied
// (false for a repeated id).
type Reply struct {
	Applied bool     `json:"applied"`
	Game    Snapshot `json:"game"`
}

// Command decodes args (a JSON object, strictly: unknown fields are
// refused) and runs the named command.
func (s *Service) Command(name string, args json.RawMessage) (Reply, error) {
	var a Args
	if len(bytes.TrimSpace(args)) > 0 && string(bytes.TrimSpace(args)) != "null" {
		dec := json.NewDecoder(bytes.NewReader(args))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&a); err != nil {
			return Reply{}, bad("%s: arguments: %v", name, err)
		}
	}
	return s.Do(name, a)
}

// Do runs the named command.
func (s *Service) Do(name string, a Args) (Reply, error) {
	if len(a.ID) > 128 {
		return Reply{}, bad("id: longer than 128 bytes")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.ID != "" && s.g.seen(a.ID) {
		return Reply{Applied: false, Game: s.snapshotLocked()}, nil
	}
	var err error
	switch name {
	case CmdNew:
		err = s.newGame(a)
	case CmdPlayers:
		err = s.rename(a)
	case CmdCall:
		err = s.call(a)
	case CmdPushOut:
		err = s.pushOut(a)
	case CmdOption:
		err = s.option(a)
	case CmdOverrule:
		err = s.overrule(a)
	default:
		return Reply{}, ErrUnknownCommand
	}
	if err != nil {
		return Reply{}, err
	}
	return Reply{Applied: true, Game: s.snapshotLocked()}, nil
}

func (s *Service) newGame(a Args) error {
	g, err := referee.ParseGame(a.Game)
	if err != nil {
		return bad("new: %v", err)
	}
	if _, err := referee.ParseEdition(a.Rules); err != nil {
		return bad("new: %v", err)
	}
	set := Settings{Game: g, Players: trimPlayers(a.Players), BallInHand: a.BallInHand, Rules: a.Rules}
	if a.CallAll != nil {
		set.CallAll = *a.CallAll
	}
	if a.AlternateBreak != nil {
		set.AlternateBreak = *a.AlternateBreak
	}
	ng, ref, err := s.fresh(set)
	if err != nil {
		return err
	}
	ng.Seen = append([]string(nil), s.g.Seen...)
	ng.remember(a.ID)
	s.commitLocked(ng, ref, nil)
	return nil
}

// rename gives the players new names, in order; the record keeps who shot.
func (s *Service) rename(a Args) error {
	names := trimPlayers(a.Players)
	old := s.g.Settings.Players
	if !s.g.Practice && len(names) != len(old) {
		return bad("players: %d names for %d players (a new game changes the number)", len(names), len(old))
	}
	to := map[string]string{}
	for i, n := range old {
		if i < len(names) {
			to[n] = names[i]
		}
	}
	g := s.g.clone()
	g.Settings.Players = names
	if _, err := referee.New(s.refConfig(g.Settings)); err != nil {
		return bad("players: %v", err)
	}
	for i := range g.Log {
		if sh := g.Log[i].Shot; sh != nil {
			c := *sh
			if n, ok := to[c.Shooter]; ok {
				c.Shooter = n
			}
			g.Log[i].Shot = &c
		}
		if n, ok := to[g.Log[i].By]; ok {
			g.Log[i].By = n
		}
	}
	for i := range g.Records {
		if n, ok := to[g.Records[i].Shooter]; ok {
			g.Records[i].Shooter = n
		}
	}
	ref, recs, err := s.rebuild(&g)
	if err != nil {
		return bad("players: %v", err)
	}
	g.Records = recs
	g.remember(a.ID)
	s.commitLocked(g, ref, nil)
	return nil
}

func (s *Service) call(a Args) error {
	g := s.g.clone()
	if a.Ball == nil || *a.Ball == "" {
		g.Pending.Called = nil
	} else {
		st := s.ref.State()
		ball := *a.Ball
		if st.Over {
			return bad("call: the rack is over")
		}
		if !contains(st.OnTable, ball) {
			return bad("call: ball %s is not on the table", ball)
		}
		if st.Game == referee.EightBall && !st.Break && !contains(st.LegalFirst, ball) {
			return bad("call: %s may not call the %s (%s)", st.Turn, ball, groupWords(st))
		}
		c := model.Call{Ball: ball, Pocket: a.Pocket}
		probe := referee.Shot{Called: &c}
		if err := probe.Validate(); err != nil {
			return bad("call: %v", err)
		}
		g.Pending.Called = &c
	}
	g.remember(a.ID)
	s.commitLocked(g, s.ref, nil)
	return nil
}

func groupWords(st referee.State) string {
	if g := st.Group[st.Turn]; g != "" {
		return "on " + g
	}
	return "the table is open: any ball but the 8"
}

func (s *Service) pushOut(a Args) error {
	on := a.PushOut == nil || *a.PushOut
	if on && !s.ref.State().PushOutAllowed {
		return bad("push_out: a push-out is allowed only on the shot right after a legal break in 9-ball and 10-ball")
	}
	g := s.g.clone()
	g.Pending.PushOut = on
	g.remember(a.ID)
	s.commitLocked(g, s.ref, nil)
	return nil
}

func (s *Service) option(a Args) error {
	st := s.ref.State()
	by := a.By
	if by == "" {
		by = st.OptionsFor
		if st.Over {
			by = st.Turn
		}
	}
	if !contains(st.Players, by) {
		return bad("option: unknown player %q (%v)", by, st.Players)
	}
	if a.Choice == "" {
		return bad("option: choice is required (%v)", st.Options)
	}
	ref := s.ref // Choose changes nothing when it fails
	if err := ref.Choose(a.Choice, by); err != nil {
		return bad("option: %v", err)
	}
	g := s.g.clone()
	g.Log = append(g.Log, entry{Option: a.Choice, By: by})
	g.Pending = pending{}
	g.remember(a.ID)
	s.commitLocked(g, ref, nil)
	return nil
}

func (s *Service) overrule(a Args) error {
	if a.Fouls == nil {
		return bad("overrule: fouls is required ([] for no foul)")
	}
	k := -1
	for i, r := range s.g.Records {
		if r.Number == a.Shot && r.Number > 0 {
			k = i
		}
	}
	if k < 0 {
		return bad("overrule: shot %d does not exist in this game", a.Shot)
	}
	for _, f := range *a.Fouls {
		if !referee.IsFoulCode(f) {
			return bad("overrule: %q is not a foul code", f)
		}
	}
	g := s.g.clone()
	o := overrule{Shot: a.Shot, Fouls: append([]string{}, *a.Fouls...), Reason: a.Reason}
	replaced := false
	for i := range g.Overrules {
		if g.Overrules[i].Shot == a.Shot {
			g.Overrules[i], replaced = o, true
		}
	}
	if !replaced {
		g.Overrules = append(g.Overrules, o)
	}
	ref, recs, err := s.rebuild(&g)
	if err != nil {
		return bad("overrule: shot %d: %v", a.Shot, err)
	}
	// Publish again every record whose decision changed: the overruled one
	// and those after it that it re-judged.
	var changed []model.ShotRecord
	for i := range recs {
		if !reflect.DeepEqual(recs[i].Decision, s.g.Records[i].Decision) || i == k {
			changed = append(changed, recs[i])
		}
	}
	g.Records = recs
	g.remember(a.ID)
	s.commitLocked(g, ref, changed)
	return nil
}

func contains(list []string, x string) bool {
	for _, v := range list {
		if v == x {
			return true
		}
	}
	return false
}
