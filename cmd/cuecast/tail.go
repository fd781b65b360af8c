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
	register("tail", "follow streams from the running daemon (tail [--addr A] STREAM...)", runTail)
}

// runTail subscribes over the same WebSocket the displays use and prints one
// JSON message per line; binary frames are summarised, not dumped.
func runTail(args []string) int {
	fs := flag.NewFlagSet("tail", flag.ContinueOnError)
	addr := fs.String("addr", defaultAddr, "the daemon's HTTP address")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: cuecast tail [--addr HOST:PORT] STREAM...\nstreams: state, event, alert, trajectory, config, performance, frame")
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
	sub, _ := json.Marshal(map[string]any{"type": "subscribe", "data": map[string]any{"streams": fs.Args()}})
	if err := wsutil.WriteClientText(conn, sub); err != nil {
		fmt.Fprintln(os.Stderr, "cuecast tail: subscribe:", err)
		return 1
	}
	for {
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
		fmt.Println(strings.TrimSpace(string(msg)))
	}
}
