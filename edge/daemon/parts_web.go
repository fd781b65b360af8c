package daemon

import (
	"context"
	"sync"
	"time"

	"github.com/cuecast/cuecast/edge/api"
	"github.com/cuecast/cuecast/edge/config"
)

// webPart is the HTTP listener (api.Server: timeouts, connection cap). Its
// reload is in two steps because binding a new address is the one step of
// a reload that can fail: prepare binds before anything changes (and before
// the config file is written), commit swaps the listeners.
type webPart struct {
	d *Daemon

	mu  sync.Mutex // guards srv
	srv *api.Server
}

func (w *webPart) listen(cfg config.Config) (*api.Server, error) {
	return api.Listen(cfg.HTTP.Listen, w.d.mux, api.ServerOptions{MaxConns: cfg.HTTP.MaxConnections, Log: w.d.log})
}

func (w *webPart) start(_ context.Context, cfg config.Config) error {
	srv, err := w.listen(cfg)
	if err != nil {
		return err
	}
	w.mu.Lock()
	w.srv = srv
	w.mu.Unlock()
	w.d.health.http.OK("listening on " + srv.Addr())
	return nil
}

func (w *webPart) addr() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.srv == nil {
		return ""
	}
	return w.srv.Addr()
}

// conns is the listener's open connections and cap (0, 0 before Start).
func (w *webPart) conns() (open, max int) {
	w.mu.Lock()
	srv := w.srv
	w.mu.Unlock()
	if srv == nil {
		return 0, 0
	}
	return srv.Conns()
}

// prepare binds cur's listen address when it changed. commit swaps the new
// listener in (the old one retires in the background); abort closes it.
func (w *webPart) prepare(old, cur config.Config) (commit, abort func(), err error) {
	if cur.HTTP.Listen == old.HTTP.Listen {
		return func() {}, func() {}, nil
	}
	srv, err := w.listen(cur)
	if err != nil {
		return nil, nil, err
	}
	commit = func() {
		w.mu.Lock()
		retired := w.srv
		w.srv = srv
		w.mu.Unlock()
		w.d.health.http.OK("listening on " + srv.Addr())
		if retired == nil {
			return
		}
		// Existing WebSocket clients stay on their connections; only the
		// listening socket moves. Requests in flight get a minute to
		// finish (MJPEG viewers reconnect to the new address), then are
		// cut.
		w.d.goBackground(func() {
			ctx, cancel := context.WithTimeout(w.d.bgCtx, time.Minute)
			defer cancel()
			retired.Shutdown(ctx, nil)
		})
	}
	abort = func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(ctx, nil)
	}
	return commit, abort, nil
}

// reload applies what changes live: the connection cap and the WebSocket
// server's settings (origins, token, limits).
func (w *webPart) reload(_ context.Context, old, cur config.Config) {
	w.mu.Lock()
	srv := w.srv
	w.mu.Unlock()
	if srv != nil && cur.HTTP.MaxConnections != old.HTTP.MaxConnections {
		srv.SetMaxConns(cur.HTTP.MaxConnections)
	}
	w.d.ws.Reload(cur.WebSocket, cur.HTTP)
}

// shutdown closes every WebSocket client with 1001 going-away, then stops
// HTTP.
func (w *webPart) shutdown(ctx context.Context) {
	w.mu.Lock()
	srv := w.srv
	w.mu.Unlock()
	closeClients := func(ctx context.Context) {
		if err := w.d.ws.Shutdown(ctx); err != nil {
			w.d.log.Warn("websocket shutdown", "component", "ws", "err", err)
		}
	}
	if srv == nil {
		closeClients(ctx)
		return
	}
	srv.Shutdown(ctx, closeClients) // safe twice
}
