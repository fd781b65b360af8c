package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

func init() {
	register("health", "ask the running daemon how it is (exit 1 unless healthy)", runHealth)
}

// daemonURL is where the CLI finds the daemon; --addr overrides it.
const defaultAddr = "127.0.0.1:8080"

func runHealth(args []string) int {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	addr := fs.String("addr", defaultAddr, "the daemon's HTTP address")
	raw := fs.Bool("json", false, "print the raw JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + *addr + "/api/v1/health")
	if err != nil {
		fmt.Fprintf(os.Stderr, "cuecast health: %v (is cuecastd running? systemctl status cuecastd)\n", err)
		return 1
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		fmt.Fprintln(os.Stderr, "cuecast health: read:", err)
		return 1
	}
	if *raw {
		os.Stdout.Write(body)
		fmt.Println()
		return exitFor(resp.StatusCode)
	}
	var h struct {
		Status     string  `json:"status"`
		Ready      bool    `json:"ready"`
		UptimeS    float64 `json:"uptime_s"`
		LastError  string  `json:"last_error"`
		Components []struct {
			Name, State, Detail string
		} `json:"components"`
	}
	if err := json.Unmarshal(body, &h); err != nil {
		fmt.Fprintf(os.Stderr, "cuecast health: HTTP %d: %s\n", resp.StatusCode, body)
		return 1
	}
	fmt.Printf("status %s (ready %v, up %s)\n", h.Status, h.Ready, time.Duration(h.UptimeS*float64(time.Second)).Round(time.Second))
	for _, c := range h.Components {
		fmt.Printf("  %-12s %-9s %s\n", c.Name, c.State, c.Detail)
	}
	if h.LastError != "" {
		fmt.Printf("last error: %s\n", h.LastError)
	}
	return exitFor(resp.StatusCode)
}

func exitFor(status int) int {
	if status/100 == 2 {
		return 0
	}
	return 1
}
