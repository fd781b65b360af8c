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

// startGame makes the game service (resuming the saved game), gives its
// commands to the WebSocket server as game_<name> and starts it. A saved
// game that cannot be resumed is alerted; free practice starts instead.
func (d *Daemon) startGame() {
	g, err := game.New(game.Options{Hub: d.hub, StateDir: d.cfg.Box.StateDir, Table: tableSize(d.cfg.Physics),
		Log: d.log.With("component", "game")})
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
	g.Start()
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
// rules): POST /api/v1/game/reset starts a new history session and a fresh
// game together.
func (a gameAdapter) ResetGame(ctx context.Context) error {
	if a.d.game == nil {
		return nil
	}
	set := a.d.game.Snapshot().Settings
	body, err := json.Marshal(game.Args{Game: string(set.Game), Players: set.Players, BallInHand: set.BallInHand,
		CallAll: &set.CallAll, AlternateBreak: &set.AlternateBreak})
	if err != nil {
		return err
	}
	_, err = a.d.game.Command(game.CmdNew, body)
	return err
}
