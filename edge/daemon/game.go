package daemon

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/cuecast/cuecast/edge/api"
	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/game"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/ws"
)

// tableSize is the playing surface the physics section names.
func tableSize(p config.Physics) model.Size {
	switch p.Table {
	case "8ft":
		return model.Table8ft
	case "7ft":
		return model.Table7ft
	case "custom":
		return model.Size{Length: p.TableLength, Width: p.TableWidth}
	}
	return model.Table9ft
}

// newGame makes the game service (resuming the saved game) and gives its
// commands to the WebSocket server as game_<name>; gamePart starts it. A
// saved game that cannot be resumed is alerted; free practice starts
// instead.
func (d *Daemon) newGame(cfg config.Config) {
	g, err := game.New(game.Options{Hub: d.hub, StateDir: cfg.Box.StateDir, Table: tableSize(cfg.Physics),
		Rules: cfg.Game.Rules, Log: d.log.With("component", "game")})
	if err != nil {
		d.log.Warn("game: resuming the saved game", "component", "game", "err", err)
		d.alert(model.AlertWarning, "game_state", err.Error(), "game")
	}
	d.game = g
	for _, name := range game.Commands {
		d.ws.RegisterCommand("game_"+name, func(_ context.Context, _ ws.CommandClient, args json.RawMessage) (any, error) {
			return g.Command(name, args)
		})
	}
}

// gamePart runs the game service: it follows the hub's events from Start
// until Shutdown (safe twice: Close is). Its state directory and table are
// read when the daemon starts; a reload sets the next game's rules.
type gamePart struct{ d *Daemon }

func (p gamePart) start(context.Context, config.Config) error {
	p.d.game.Start()
	return nil
}

// reload gives the next game the new rules edition; the game in progress
// keeps its own. cur was validated: an error is a mismatch of config and
// referee, logged rather than half-applied.
func (p gamePart) reload(_ context.Context, old, cur config.Config) {
	if cur.Game.Rules == old.Game.Rules {
		return
	}
	if err := p.d.game.SetDefaultRules(cur.Game.Rules); err != nil {
		p.d.log.Error("game rules", "component", "game", "err", err)
	}
}

func (p gamePart) shutdown(ctx context.Context) {
	if err := p.d.game.Shutdown(ctx); err != nil {
		p.d.log.Warn("game shutdown", "component", "game", "err", err)
	}
}

// gameAdapter serves the game to the REST API.
type gameAdapter struct{ d *Daemon }

func (a gameAdapter) GameState() any { return a.d.game.Snapshot() }

func (a gameAdapter) GameCommand(name string, body []byte) (any, error) {
	r, err := a.d.game.Command(name, body)
	if errors.Is(err, game.ErrUnknownCommand) {
		return nil, api.ErrUnknownGameCommand
	}
	return r, err
}

// ResetGame starts the game again with the same settings (game, players,
// ball in hand, calls, breaks, the rules' edition): POST /api/v1/game/reset
// starts a new history session and a fresh game together.
func (a gameAdapter) ResetGame(ctx context.Context) error {
	if a.d.game == nil {
		return nil
	}
	set := a.d.game.Snapshot().Settings
	body, err := json.Marshal(game.Args{Game: string(set.Game), Players: set.Players, BallInHand: set.BallInHand,
		CallAll: &set.CallAll, AlternateBreak: &set.AlternateBreak, Rules: set.Rules})
	if err != nil {
		return err
	}
	_, err = a.d.game.Command(game.CmdNew, body)
	return err
}
