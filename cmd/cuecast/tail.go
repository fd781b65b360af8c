package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

func init() {
	register("tail", "follow streams from the running daemon (tail [--addr A] [--filter S=JSON] [--fields S=a,b] STREAM...)", runTail)
}

// streamFilters collects --filter STREAM=JSON and --fields STREAM=a,b into
// the subscribe's filters (docs/protocol.md "Filters").
type streamFilters map[string]map[string]any

func (f streamFilters) String() string { return "" }

func (f streamFilters) set(v string, parse func(string) (map[string]any, error)) error {
	stream, spec, ok := strings.Cut(v, "=")
	if !ok || stream == "" {
		return fmt.Errorf("want STREAM=..., got %q", v)
	}
	m, err := parse(spec)
	if err != nil {
		return fmt.Errorf("%s: %v", stream, err)
	}
	if f[stream] == nil {
		f[stream] = map[string]any{}
	}
	for k, x := range m {
		f[stream][k] = x
	}
	return nil
}

// runTail subscribes over the same WebSocket the displays use and prints one
// JSON message per line; binary frames are summarised, not dumped.
func runTail(args []string) int {
	fs := flag.NewFlagSet("tail", flag.ContinueOnError)
	addr := fs.String("addr", defaultAddr, "the daemon's HTTP address")
	filters := streamFilters{}
	fs.Func("filter", `a stream's filter as JSON, e.g. event='{"where":{"type":{"in":["ball_pocketed","shot_ended"]}}}' (repeatable)`, func(v string) error {
		return filters.set(v, func(s string) (map[string]any, error) {
			var m map[string]any
			if err := json.Unmarshal([]byte(s), &m); err != nil {
				return nil, fmt.Errorf("not a JSON object: %v", err)
			}
			return m, nil
		})
	})
	fs.Func("fields", "the fields of a stream's data to keep, e.g. state=balls.id,balls.pos (repeatable)", func(v string) error {
		return filters.set(v, func(s string) (map[string]any, error) {
			return map[string]any{"fields": strings.Split(s, ",")}, nil
		})
	})
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: cuecast tail [--addr HOST:PORT] [--filter STREAM=JSON] [--fields STREAM=a,b] STREAM...\nstreams: state, event, alert, trajectory, config, performance, frame, game")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	conn, _, _, err := ws.Dial(ctx, "ws://"+*addr+"/ws")
	if err != nil {
		fmt.Fprintf(os.Stderr, "cuecast tail: %v (is cuecastd running?)\n", err)
		return 1
	}
	defer conn.Close()
	go func() { <-ctx.Done(); conn.Close() }()
	data := map[string]any{"streams": fs.Args()}
	if len(filters) > 0 {
		data["filters"] = filters
	}
	sub, _ := json.Marshal(map[string]any{"type": "subscribe", "id": "tail", "data": data})
	if err := wsutil.WriteClientText(conn, sub); err != nil {
		fmt.Fprintln(os.Stderr, "cuecast tail: subscribe:", err)
		return 1
	}
	for subscribed := false; ; {
		msg, op, err := wsutil.ReadServerData(conn)
		if err != nil {
			if ctx.Err() != nil {
				return 0
			}
			fmt.Fprintln(os.Stderr, "cuecast tail:", err)
			return 1
		}
		if op == ws.OpBinary {
			fmt.Printf("{\"type\":\"binary\",\"bytes\":%d}\n", len(msg))
			continue
		}
		if !subscribed {
			// The reply to our subscribe comes before any publication it
			// queued: a refused stream or filter is the user's to fix.
			var r struct {
				Type string          `json:"type"`
				ID   string          `json:"id"`
				Data json.RawMessage `json:"data"`
			}
			if json.Unmarshal(msg, &r) == nil && r.ID == "tail" {
				if r.Type == "error" {
					var e struct{ Message string }
					json.Unmarshal(r.Data, &e)
					fmt.Fprintln(os.Stderr, "cuecast tail:", e.Message)
					return 2
				}
				subscribed = r.Type == "subscribed"
			}
		}
		fmt.Println(strings.TrimSpace(string(msg)))
	}
}
