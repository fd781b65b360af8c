package referee

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/cuecast/cuecast/edge/model"
)

// Game is a game type.
type Game string

const (
	EightBall Game = "8ball"
	NineBall  Game = "9ball"
	TenBall   Game = "10ball"
	Practice  Game = "practice"
)

// ParseGame accepts a game type's name ("8ball", "9-ball", "nine", ...).
func ParseGame(s string) (Game, error) {
	switch strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "-", "")) {
	case "8ball", "8", "eight", "eightball":
		return EightBall, nil
	case "9ball", "9", "nine", "nineball":
		return NineBall, nil
	case "10ball", "10", "ten", "tenball":
		return TenBall, nil
	case "practice", "free", "freepractice", "":
		return Practice, nil
	}
	return "", fmt.Errorf("unknown game %q (8ball, 9ball, 10ball, practice)", s)
}

// Where the cue ball in hand may be placed (IDCueBallInHand).
const (
	PlaceAnywhere = "anywhere" // the whole playing surface (WPA, after a standard foul)
	PlaceKitchen  = "kitchen"  // behind the head string (every break; 8-ball break fouls)
)

// The options an incoming player (or the breaker) may be offered.
const (
	OptionPlay   = "play"   // shoot from the position left
	OptionPass   = "pass"   // hand the shot back to the other player
	OptionAccept = "accept" // accept the table after an illegal break
	OptionRerack = "rerack" // have the balls re-racked and break again
	OptionRespot = "respot" // the 8 on the break: spot it and continue
	// OptionInHand takes the cue ball in hand behind the head string
	// rather than playing it where it lies (8-ball, a foul on the break).
	OptionInHand = "in_hand"
)

// Group names (8-ball).
const (
	Solids  = "solids"
	Stripes = "stripes"
)

// Config is a game's set-up.
type Config struct {
	Game    Game
	Players []string // two for 8, 9 and 10-ball; any number in practice
	// BallInHand is where the incoming player may place the cue ball
	// after a standard foul: PlaceAnywhere (WPA, the default) or
	// PlaceKitchen (a house rule). Breaks and the 8-ball's break fouls are
	// always played from behind the head string, as the 8-ball break rule says.
	BallInHand string
	// CallAll makes every 8-ball shot a called shot (ball and pocket), as
	// IDEightCalled asks; without it only the 8 must be called and any ball of
	// the shooter's group keeps him at the table. 10-ball always calls.
	// Either way an obvious shot counts as called (IDCallShot).
	CallAll bool
	// Table is the playing surface; zero is a 9 ft table.
	Table model.Size
	// AlternateBreak makes the players break in turn; otherwise the
	// winner of a rack breaks the next.
	AlternateBreak bool
	// Edition is the rule book the decisions cite: Edition2016 (the
	// default, "") or Edition2025. It sets every number a decision gives
	// and the two points where the books differ in substance (book).
	Edition string
}

// Override is a person's ruling on a shot: the fouls that happened
// (empty: no foul), replacing what the referee saw.
type Override struct {
	Fouls []string `json:"fouls"`
}

// Referee is one game's state between shots.
type Referee struct {
	cfg     Config
	book    *book // cfg.Edition's; shared, never written
	shots   int   // shots judged in the game
	rack    int   // racks started, from 1
	inRack  int   // shots judged in this rack; 0: the next is the break
	breaker int   // who broke this rack
	turn    int   // index of the player at the table
	onTable map[int]bool
	group   map[int]string // player -> Solids | Stripes
	fouls   map[int]int    // fouls in a row
	bih     string         // ball in hand for the next shot: "", PlaceAnywhere, PlaceKitchen
	push    bool           // the next shot may be a push-out
	options []string       // open to optFor before the next shot
	optFor  int
	over    bool
	winner  int
	racks   map[int]int
	respot  []model.BallSpot
	last    *model.Decision
}

// New starts a game. Players must be distinct and non-empty: two for 8, 9
// and 10-ball.
func New(cfg Config) (*Referee, error) {
	if cfg.Game == "" {
		cfg.Game = Practice
	}
	if _, err := ParseGame(string(cfg.Game)); err != nil {
		return nil, err
	}
	ed, err := ParseEdition(cfg.Edition)
	if err != nil {
		return nil, err
	}
	cfg.Edition = ed
	switch cfg.BallInHand {
	case "":
		cfg.BallInHand = PlaceAnywhere
	case PlaceAnywhere, PlaceKitchen:
	default:
		return nil, fmt.Errorf("ball in hand %q is not anywhere or kitchen", cfg.BallInHand)
	}
	if cfg.Table.Length <= 0 || cfg.Table.Width <= 0 {
		cfg.Table = model.Table9ft
	}
	seen := map[string]bool{}
	for _, p := range cfg.Players {
		if strings.TrimSpace(p) == "" {
			return nil, errors.New("a player's name is empty")
		}
		if seen[p] {
			return nil, fmt.Errorf("player %q is named twice", p)
		}
		seen[p] = true
	}
	if cfg.Game != Practice && len(cfg.Players) != 2 {
		return nil, fmt.Errorf("%s needs two players, got %d", cfg.Game, len(cfg.Players))
	}
	cfg.Players = append([]string(nil), cfg.Players...)
	r := &Referee{cfg: cfg, book: books[ed], racks: map[int]int{}, winner: -1}
	r.newRack(0)
	return r, nil
}

// Config returns the game's set-up (Edition filled in).
func (r *Referee) Config() Config { return r.cfg }

// Number is rule id's number in the game's edition.
func (r *Referee) Number(id RuleID) string { return r.book.numbers[id] }

// topBall is the ball that wins a rotation game; 0 for other games.
func (r *Referee) topBall() int {
	switch r.cfg.Game {
	case NineBall:
		return 9
	case TenBall:
		return 10
	}
	return 0
}

func (r *Referee) newRack(breaker int) {
	r.rack++
	r.inRack = 0
	r.breaker, r.turn = breaker, breaker
	r.onTable = map[int]bool{}
	n := 15
	if t := r.topBall(); t > 0 {
		n = t
	}
	for i := 1; i <= n; i++ {
		r.onTable[i] = true
	}
	r.group = map[int]string{}
	r.fouls = map[int]int{}
	r.bih = PlaceKitchen
	r.push = false
	r.options = nil
	r.over, r.winner = false, -1
	r.respot = nil
}

func (r *Referee) player(i int) string {
	if i < 0 || i >= len(r.cfg.Players) {
		return ""
	}
	return r.cfg.Players[i]
}

func (r *Referee) index(name string) int {
	for i, p := range r.cfg.Players {
		if p == name {
			return i
		}
	}
	return -1
}

func (r *Referee) other(i int) int { return 1 - i }

// State is the game as the scoreboard shows it.
type State struct {
	Game    Game     `json:"game"`
	Players []string `json:"players"`
	Rack    int      `json:"rack"`
	Shots   int      `json:"shots"` // shots judged in the game
	Break   bool     `json:"break"` // the next shot is a break
	Turn    string   `json:"turn,omitempty"`
	// Group is each player's group in 8-ball; absent while the table is open.
	Group   map[string]string `json:"group,omitempty"`
	OnTable []string          `json:"on_table"`
	// LegalFirst are the balls the next shot may hit first.
	LegalFirst []string `json:"legal_first,omitempty"`
	// CallRequired: the next shot must be called (ball and pocket).
	CallRequired   bool             `json:"call_required"`
	BallInHand     string           `json:"ball_in_hand,omitempty"`
	Fouls          map[string]int   `json:"fouls"`
	PushOutAllowed bool             `json:"push_out_allowed"`
	Options        []string         `json:"options,omitempty"`
	OptionsFor     string           `json:"options_for,omitempty"`
	Over           bool             `json:"over"`
	Winner         string           `json:"winner,omitempty"`
	Racks          map[string]int   `json:"racks"`
	Respot         []model.BallSpot `json:"respot,omitempty"`
	Last           *model.Decision  `json:"last,omitempty"`
}

// State returns a snapshot of the game; it shares nothing with r.
func (r *Referee) State() State {
	s := State{Game: r.cfg.Game, Players: append([]string{}, r.cfg.Players...), Rack: r.rack, Shots: r.shots,
		Break: r.inRack == 0 || r.over, Turn: r.player(r.turn), BallInHand: r.bih, PushOutAllowed: r.push && !r.over,
		Fouls: map[string]int{}, Racks: map[string]int{}, Over: r.over, Winner: r.player(r.winner),
		Respot: append([]model.BallSpot(nil), r.respot...), OnTable: r.ballsOnTable()}
	if r.over {
		s.Turn = r.player(r.nextBreaker()) // who breaks the next rack
	}
	if r.cfg.Game == Practice {
		s.Turn = ""
		if len(r.cfg.Players) > 0 {
			s.Turn = r.cfg.Players[0]
		}
	}
	for i, p := range r.cfg.Players {
		s.Fouls[p] = r.fouls[i]
		s.Racks[p] = r.racks[i]
	}
	if g := r.groupNames(); g != nil {
		s.Group = g
	}
	if len(r.options) > 0 {
		s.Options = append([]string(nil), r.options...)
		s.OptionsFor = r.player(r.optFor)
	}
	if !r.over {
		for _, id := range s.OnTable {
			if r.legalFirst(r.turn, id, s.Break) {
				s.LegalFirst = append(s.LegalFirst, id)
			}
		}
		s.CallRequired = r.callRequired(r.turn, s.Break)
	}
	if r.last != nil {
		d := cloneDecision(*r.last)
		s.Last = &d
	}
	return s
}

func (r *Referee) ballsOnTable() []string {
	out := []string{}
	for i := 1; i <= 15; i++ {
		if r.onTable[i] {
			out = append(out, strconv.Itoa(i))
		}
	}
	return out
}

func (r *Referee) groupNames() map[string]string {
	if len(r.group) == 0 {
		return nil
	}
	g := map[string]string{}
	for i, name := range r.group {
		g[r.player(i)] = name
	}
	return g
}

// groupOf is the 8-ball group of ball n ("" for the 8 and the cue ball).
func groupOf(n int) string {
	switch model.ClassOf(n) {
	case model.ClassSolid:
		return Solids
	case model.ClassStripe:
		return Stripes
	}
	return ""
}

// groupLeft reports whether any ball of group g is on the table.
func (r *Referee) groupLeft(g string) bool {
	for n, on := range r.onTable {
		if on && groupOf(n) == g {
			return true
		}
	}
	return false
}

// onEight reports whether player p's legal target is the 8.
func (r *Referee) onEight(p int) bool {
	g := r.group[p]
	return g != "" && !r.groupLeft(g)
}

// groupGone reports whether a whole group is off the table: on an open
// table the 8 may then be hit first, and called to win (2025 edition,
// IDEightOpen; book.eightFirstOnOpenTable).
func (r *Referee) groupGone() bool { return !r.groupLeft(Solids) || !r.groupLeft(Stripes) }

func (r *Referee) lowest() int {
	for i := 1; i <= 15; i++ {
		if r.onTable[i] {
			return i
		}
	}
	return 0
}

// legalFirst reports whether ball id may be the first the cue ball touches
// on player p's next shot.
func (r *Referee) legalFirst(p int, id string, brk bool) bool {
	if IsUnidentified(id) {
		return false // its name is needed: firstUnnamed
	}
	n := ballNumber(id)
	if n <= 0 || !r.onTable[n] {
		return false
	}
	switch r.cfg.Game {
	case Practice:
		return true
	case NineBall, TenBall:
		return n == r.lowest()
	}
	if brk {
		return true
	}
	g := r.group[p]
	switch {
	case g == "": // open table: any ball but the 8, unless a group is gone (2025)
		return n != 8 || (r.book.eightFirstOnOpenTable && r.groupGone())
	case r.onEight(p):
		return n == 8
	}
	return groupOf(n) == g
}

func (r *Referee) callRequired(p int, brk bool) bool {
	if brk {
		return false
	}
	switch r.cfg.Game {
	case TenBall:
		return true
	case EightBall:
		return r.cfg.CallAll || r.onEight(p)
	case NineBall:
		return r.cfg.CallAll
	}
	return false
}

// Judge rules on one shot and moves the game on. A shot that does not fit
// the game (an unknown or out-of-turn shooter, a call of a ball not on the
// table, a push-out when none is allowed, an option not open) is an error
// and changes nothing.
func (r *Referee) Judge(s Shot) (model.Decision, error) { return r.judge(s, nil, false) }

// JudgeWith is Judge with a person's ruling replacing the referee's fouls
// (nil: none). lenient accepts any known player as the shooter (replaying
// a record whose earlier decision was overruled: that player did shoot).
func (r *Referee) JudgeWith(s Shot, o *Override, lenient bool) (model.Decision, error) {
	return r.judge(s, o, lenient)
}

func (r *Referee) judge(s Shot, o *Override, lenient bool) (model.Decision, error) {
	if err := s.Validate(); err != nil {
		return model.Decision{}, err
	}
	if o != nil {
		for _, f := range o.Fouls {
			if !IsFoulCode(f) {
				return model.Decision{}, fmt.Errorf("overrule: %q is not a foul code", f)
			}
		}
	}
	// Work on a copy: an error half-way leaves r as it was.
	c := r.clone()
	d, err := c.apply(&s, o, lenient)
	if err != nil {
		return model.Decision{}, err
	}
	*r = *c
	return d, nil
}

func (r *Referee) clone() *Referee {
	c := *r
	c.onTable = cloneMap(r.onTable)
	c.group = cloneMap(r.group)
	c.fouls = cloneMap(r.fouls)
	c.racks = cloneMap(r.racks)
	c.options = append([]string(nil), r.options...)
	c.respot = append([]model.BallSpot(nil), r.respot...)
	return &c
}

func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func cloneDecision(d model.Decision) model.Decision {
	d.Fouls = append([]string{}, d.Fouls...)
	if d.Group != nil {
		d.Group = cloneMap(d.Group)
	}
	d.Respot = append([]model.BallSpot(nil), d.Respot...)
	d.Options = append([]string(nil), d.Options...)
	d.Uncertain = append([]string(nil), d.Uncertain...)
	if d.Winner != nil {
		w := *d.Winner
		d.Winner = &w
	}
	return d
}

// Choose applies an option before the next shot: who chooses is the
// player the options are open to.
func (r *Referee) Choose(option, by string) error {
	c := r.clone()
	if err := c.choose(option, by); err != nil {
		return err
	}
	*r = *c
	return nil
}

func (r *Referee) choose(option, by string) error {
	if r.over {
		if option != OptionRerack {
			return fmt.Errorf("the rack is over: the only option is rerack")
		}
		b := r.index(by)
		if b < 0 {
			return fmt.Errorf("unknown player %q", by)
		}
		r.newRack(b)
		return nil
	}
	if len(r.options) == 0 {
		return fmt.Errorf("no option is open now")
	}
	if !has(r.options, option) {
		return fmt.Errorf("option %q is not open (open to %s: %s)", option, r.player(r.optFor), strings.Join(r.options, ", "))
	}
	switch option {
	case OptionPlay:
		r.turn = r.optFor
		if has(r.options, OptionInHand) {
			r.bih = "" // the cue ball is played where it lies (IDEightBreak)
		}
	case OptionAccept, OptionRespot, OptionInHand:
		r.turn = r.optFor
	case OptionPass:
		r.turn = r.other(r.optFor)
	case OptionRerack:
		// The chooser breaks the new rack (or lets the other break: the
		// shooter of the next shot says which in a replay).
		b := r.optFor
		if i := r.index(by); i >= 0 {
			b = i
		}
		keep := r.racks
		r.newRack(b)
		r.racks = keep
	}
	r.options = nil
	return nil
}

// takeOption settles the open options from the next shot: its explicit
// option, or the one its shooter implies.
func (r *Referee) takeOption(s *Shot, shooter int) error {
	if r.over {
		// A new rack: either player may break it.
		b := shooter
		if b < 0 {
			b = r.nextBreaker()
		}
		keep := r.racks
		r.newRack(b)
		r.racks = keep
		return nil
	}
	if len(r.options) == 0 {
		if s.Option != "" && s.Option != OptionPlay {
			return fmt.Errorf("option %q: no option is open before this shot", s.Option)
		}
		return nil
	}
	opt := s.Option
	if opt == "" {
		opt = r.options[0]
		switch {
		case shooter >= 0 && shooter != r.optFor && has(r.options, OptionPass):
			opt = OptionPass
		case shooter >= 0 && shooter != r.optFor && has(r.options, OptionRerack):
			opt = OptionRerack // the other player breaks the rack again
		case has(r.options, OptionInHand) && !r.inKitchen(s):
			opt = OptionPlay // the cue ball was played from where it lay
		}
	}
	by := r.player(r.optFor)
	if opt == OptionRerack && shooter >= 0 {
		by = r.player(shooter)
	}
	return r.choose(opt, by)
}

// inKitchen reports whether the shot's cue ball was placed, or started,
// behind the head string.
func (r *Referee) inKitchen(s *Shot) bool {
	if s.BallInHandPlaced != nil {
		return true
	}
	p, ok := cuePlaced(s)
	return ok && p.X <= r.cfg.Table.Length/4
}

func (r *Referee) nextBreaker() int {
	if r.cfg.AlternateBreak || r.winner < 0 {
		return r.other(r.breaker)
	}
	return r.winner
}

// apply judges s on r (a scratch copy).
func (r *Referee) apply(s *Shot, o *Override, lenient bool) (model.Decision, error) {
	shooter := -1
	if s.Shooter != "" || r.cfg.Game != Practice {
		shooter = r.index(s.Shooter)
		if shooter < 0 {
			return model.Decision{}, fmt.Errorf("shooter %q is not a player (%s)", s.Shooter, strings.Join(r.cfg.Players, ", "))
		}
	}
	if r.cfg.Game == Practice {
		return r.practice(s, shooter, o), nil
	}
	if err := r.takeOption(s, shooter); err != nil {
		return model.Decision{}, err
	}
	if shooter != r.turn {
		if !lenient {
			return model.Decision{}, fmt.Errorf("shooter %s is not at the table: %s is", s.Shooter, r.player(r.turn))
		}
		r.turn = shooter
	}
	brk := r.inRack == 0
	if c := s.Called; c != nil {
		n := ballNumber(c.Ball)
		if !r.onTable[n] {
			return model.Decision{}, fmt.Errorf("called ball %s is not on the table", c.Ball)
		}
		if r.cfg.Game == EightBall && !brk && !r.legalFirst(shooter, c.Ball, false) {
			return model.Decision{}, fmt.Errorf("called ball %s is not %s's to play (%s)", c.Ball, s.Shooter, r.targetWords(shooter))
		}
	}
	if s.PushOut {
		if r.cfg.Game == EightBall {
			return model.Decision{}, errors.New("8-ball has no push-out")
		}
		if !r.push {
			return model.Decision{}, errors.New("a push-out is allowed only on the shot right after a legal break")
		}
	}
	a := analyse(s, r.cfg.Table)
	bihBefore := r.bih
	if brk {
		bihBefore = PlaceKitchen
	}
	fouls := r.detect(s, &a, shooter, brk, bihBefore)
	if pk, off := a.unnamedDown(); pk || off {
		if pk {
			a.doubt(UncertainPocketed)
		}
		if off {
			a.doubt(UncertainOffTable)
		}
	}
	overruled := false
	if o != nil {
		fouls = append([]string{}, o.Fouls...)
		overruled = true
		// The person ruled on the fouls: what remains in doubt is only
		// which balls went down.
		a.doubts = without(without(a.doubts, UncertainFirstContact), UncertainBreakRails)
	}
	r.shots++
	r.inRack++
	r.respot = nil
	r.options = nil
	r.push = false
	var d model.Decision
	if r.cfg.Game == EightBall {
		d = r.eight(s, &a, shooter, brk, fouls)
	} else {
		d = r.rotation(s, &a, shooter, brk, fouls)
	}
	d.Shot = r.shots
	d.Shooter = s.Shooter
	d.Edition = r.cfg.Edition
	d.Overruled = overruled
	d.Group = r.groupNames()
	d.Respot = append([]model.BallSpot(nil), r.respot...)
	d.Options = append([]string(nil), r.options...)
	if len(a.doubts) > 0 {
		d.Uncertain = append([]string(nil), a.doubts...)
		d.Message += r.doubtSentences(&a)
	}
	if !r.over {
		d.Next = r.player(r.turn)
		if len(r.options) > 0 {
			d.Next = r.player(r.optFor)
		}
	}
	dd := cloneDecision(d)
	r.last = &dd
	return d, nil
}

// detect lists the fouls of a shot, in the order the message names them.
// bih is where the cue ball was in hand for this shot ("" when it was not).
func (r *Referee) detect(s *Shot, a *analysis, p int, brk bool, bih string) []string {
	fouls := []string{}
	if a.scratch {
		fouls = append(fouls, FoulScratch)
	} else if a.cueOff {
		fouls = append(fouls, FoulBallOffTable)
	}
	if a.first != "" && !r.legalFirst(p, a.first, brk) {
		// IDWrongBallFirst (2025 wording, both editions): a legal ball
		// hit at the same instant as an illegal one was hit first.
		for _, id := range a.ties {
			if r.legalFirst(p, id, brk) {
				a.first = id
				break
			}
		}
	}
	if !s.PushOut { // a push-out suspends IDWrongBallFirst and IDNoRail (the push-out rules)
		switch {
		case a.first == "" && !a.contactUnseen:
			fouls = append(fouls, FoulNoContact)
		case a.first == "" || r.firstUnnamed(p, a, brk):
			// The camera cannot say which ball was hit first: no foul is
			// called on it, where it could have been one.
			if r.anyIllegal(p, brk) {
				a.doubt(UncertainFirstContact)
			}
			if !brk && !a.railAfter && !a.objectPocketed() {
				fouls = append(fouls, FoulNoRail)
			}
		case !r.legalFirst(p, a.first, brk) && !(brk && r.cfg.Game == EightBall):
			fouls = append(fouls, FoulWrongBallFirst)
		case !brk && !a.railAfter && !a.objectPocketed():
			fouls = append(fouls, FoulNoRail)
		}
	}
	if brk && !a.objectPocketed() {
		named := 0
		for id := range a.railBalls {
			if !IsUnidentified(id) {
				named++
			}
		}
		switch {
		case len(a.railBalls) < 4:
			fouls = append(fouls, FoulIllegalBreak)
		case named < 4:
			// Balls the camera could not name count as balls of their
			// own: one may be a named ball seen again under a new track.
			a.doubt(UncertainBreakRails)
		}
	}
	if len(a.off) > 0 && !has(fouls, FoulBallOffTable) {
		fouls = append(fouls, FoulBallOffTable)
	}
	if bih != "" && !r.placementOK(s, bih) {
		fouls = append(fouls, FoulBadPlacement)
	}
	if bih == PlaceKitchen && kitchenBallFirst(s, a, r.cfg.Table) {
		fouls = append(fouls, FoulKitchenBallFirst)
	}
	return fouls
}

// firstUnnamed reports whether the camera could not name the ball that
// decides the first-contact rule: the first ball hit is unidentified, or
// it is an illegal one hit at the same instant as an unidentified ball
// (which may have been legal).
func (r *Referee) firstUnnamed(p int, a *analysis, brk bool) bool {
	if IsUnidentified(a.first) {
		return true
	}
	if r.legalFirst(p, a.first, brk) {
		return false
	}
	for _, id := range a.ties {
		if IsUnidentified(id) {
			return true
		}
	}
	return false
}

// anyIllegal reports whether some ball on the table may not be hit first
// on player p's shot: only then does not knowing the first ball matter.
func (r *Referee) anyIllegal(p int, brk bool) bool {
	if r.cfg.Game == Practice || (brk && r.cfg.Game == EightBall) {
		return false
	}
	for n, on := range r.onTable {
		if on && !r.legalFirst(p, strconv.Itoa(n), brk) {
			return true
		}
	}
	return false
}

// cuePlaced is where the cue ball was when the shot was played.
func cuePlaced(s *Shot) (model.Vec2, bool) {
	if s.BallInHandPlaced != nil {
		return *s.BallInHandPlaced, true
	}
	for _, b := range s.BallsStart {
		if b.ID == "cue" {
			return model.Vec2{X: b.X, Y: b.Y}, true
		}
	}
	return model.Vec2{}, false
}

// placementOK checks the cue ball in hand (IDCueBallInHand,
// IDBadPlacement): on the cloth, not on another ball, and behind the head
// string (x < L/4; a few millimetres of the tracker's error go to the
// shooter) when restricted.
func (r *Referee) placementOK(s *Shot, where string) bool {
	p, ok := cuePlaced(s)
	if !ok {
		return true // nothing to check
	}
	t := r.cfg.Table
	const slack = 0.003
	R := model.BallRadius
	if p.X < R-slack || p.Y < R-slack || p.X > t.Length-R+slack || p.Y > t.Width-R+slack {
		return false
	}
	if where == PlaceKitchen && p.X > t.Length/4+slack {
		return false
	}
	for _, b := range s.BallsStart {
		if b.ID == "cue" {
			continue
		}
		dx, dy := b.X-p.X, b.Y-p.Y
		if dx*dx+dy*dy < (2*R-slack)*(2*R-slack) {
			return false
		}
	}
	return true
}

// cueGap keeps a spotted ball off the cue ball: IDSpotting lets it touch an
// object ball but never the cue ball.
const cueGap = 0.002

// RespotPoint is where a ball is spotted (IDSpotting): on the foot spot, or as
// near it as it fits on the long string towards the foot rail (touching an
// object ball in the way, never the cue ball), else towards the head
// string; given the balls at rest.
func RespotPoint(t model.Size, rest []model.BallSpot) model.Vec2 {
	free := func(x float64) bool {
		for _, b := range rest {
			d := 2 * model.BallRadius
			if b.ID == "cue" {
				d += cueGap
			}
			dx, dy := b.Pos.X-x, b.Pos.Y-t.Width/2
			if dx*dx+dy*dy < d*d {
				return false
			}
		}
		return true
	}
	foot := 3 * t.Length / 4
	for x := foot; x <= t.Length-model.BallRadius; x += 0.002 {
		if free(x) {
			return model.Vec2{X: x, Y: t.Width / 2}
		}
	}
	// The long string towards the foot rail is full: come back up it.
	for x := foot; x >= model.BallRadius; x -= 0.002 {
		if free(x) {
			return model.Vec2{X: x, Y: t.Width / 2}
		}
	}
	return model.Vec2{X: foot, Y: t.Width / 2}
}

// spot respots ball n after the shot, clear of the balls at rest: where
// they came to rest when the shot says so, else the balls that took part
// in no event where they started.
func (r *Referee) spot(s *Shot, a *analysis, n int) {
	r.onTable[n] = true
	var rest []model.BallSpot
	if len(s.BallsEnd) > 0 {
		for _, b := range s.BallsEnd {
			if _, down := a.pocketedAt[b.ID]; !down && !has(a.off, b.ID) {
				rest = append(rest, model.BallSpot{ID: b.ID, Pos: model.Vec2{X: b.X, Y: b.Y}})
			}
		}
	} else {
		for _, b := range s.BallsStart {
			if !a.moved[b.ID] {
				rest = append(rest, model.BallSpot{ID: b.ID, Pos: model.Vec2{X: b.X, Y: b.Y}})
			}
		}
	}
	for _, sp := range r.respot {
		rest = append(rest, sp)
	}
	id := strconv.Itoa(n)
	r.respot = append(r.respot, model.BallSpot{ID: id, Pos: RespotPoint(r.cfg.Table, rest)})
}

func (r *Referee) targetWords(p int) string {
	switch {
	case r.group[p] == "":
		return "the table is open"
	case r.onEight(p):
		return "on the 8"
	}
	return "on " + r.group[p]
}
