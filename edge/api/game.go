package api

import (
	"errors"
	"net/http"
	"strings"
)

// GameService is the game service as the API sees it (the daemon adapts
// edge/game): its state, and the players' commands. The API does not
// import the game package: it would bring the hub in.
type GameService interface {
	GameState() any
	// GameCommand runs a command (new, players, call, push_out, option,
	// overrule) with its JSON body. An error with BadInput() true is the
	// caller's; ErrUnknownGameCommand an unknown name.
	GameCommand(name string, body []byte) (any, error)
}

// ErrUnknownGameCommand is GameCommand's answer to a name it does not know.
var ErrUnknownGameCommand = errors.New("api: unknown game command")

// gameCommands are the game's command routes: POST /api/v1/game/<route>.
var gameCommands = map[string]string{
	"new": "new", "players": "players", "call": "call", "push-out": "push_out", "option": "option", "overrule": "overrule",
}

func (a *API) gameRoutes() {
	a.get("GET /api/v1/game/state", a.gameState)
	for route, name := range gameCommands {
		a.command("POST /api/v1/game/"+route, a.gameCommand(name))
	}
}

func (a *API) gameState(w http.ResponseWriter, r *http.Request) *apiError {
	if _, e := params(r); e != nil {
		return e
	}
	if a.deps.Game == nil {
		return unavailable("the game service")
	}
	a.writeJSON(w, http.StatusOK, a.deps.Game.GameState())
	return nil
}

// gameCommandLimit bounds a command's body (names and a call are small).
const gameCommandLimit = 16 << 10

func (a *API) gameCommand(name string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) *apiError {
		if _, e := params(r); e != nil {
			return e
		}
		if e := jsonBody(r); e != nil {
			return e
		}
		var body []byte
		if r.ContentLength != 0 {
			b, e := readBody(w, r, gameCommandLimit)
			if e != nil {
				return e
			}
			body = b
		}
		if a.deps.Game == nil {
			return unavailable("the game service")
		}
		res, err := a.deps.Game.GameCommand(name, body)
		if err != nil {
			var in interface{ BadInput() bool }
			switch {
			case errors.As(err, &in) && in.BadInput():
				return badRequest("%s", strings.TrimPrefix(err.Error(), "game: "))
			case errors.Is(err, ErrUnknownGameCommand):
				return errorf(http.StatusNotFound, CodeNotFound, "api: no game command %q", name)
			}
			return errorf(http.StatusInternalServerError, CodeInternal, "api: game %s: %v", name, err)
		}
		a.writeJSON(w, http.StatusOK, res)
		return nil
	}
}
