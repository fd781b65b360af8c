package update

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"time"
)

// Checker decides whether this boot may be blessed: the daemon's unit is
// active (for a Type=notify unit that means it sent READY=1) and its
// readiness endpoint answers 200, both at the same time, before a deadline.
type Checker struct {
	// Unit is asked about with IsActive ("cuecastd.service").
	Unit string
	// IsActive reports the unit's ActiveState; SystemctlIsActive on a box.
	IsActive func(ctx context.Context, unit string) (string, error)
	// URL is the readiness endpoint (ReadyURL).
	URL string
	// Client makes the requests (default: 5 s timeout).
	Client *http.Client
	// Interval between attempts (default 2 s).
	Interval time.Duration
	// Progress, if set, hears about each failed attempt (for the log).
	Progress func(reason string)
}

// Wait polls until the daemon is active and ready, or timeout passes; the
// error then says what was last seen.
func (c *Checker) Wait(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	interval := c.Interval
	if interval <= 0 {
		interval = 2 * time.Second
	}
	client := c.Client
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	last := "not checked yet"
	for {
		reason := c.once(ctx, client)
		if reason == "" {
			return nil
		}
		// A probe cut short by the deadline says nothing about the
		// daemon; keep the last real answer for the error.
		if ctx.Err() == nil {
			last = reason
		}
		if c.Progress != nil {
			c.Progress(reason)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("update: health: not ready within %v: %s", timeout, last)
		case <-t.C:
		}
	}
}

// once returns "" when healthy, else why not.
func (c *Checker) once(ctx context.Context, client *http.Client) string {
	state, err := c.IsActive(ctx, c.Unit)
	if err != nil {
		return err.Error()
	}
	if state != "active" {
		return fmt.Sprintf("%s is %s", c.Unit, state)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL, nil)
	if err != nil {
		return err.Error()
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Sprintf("GET %s: %v", c.URL, err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Sprintf("GET %s: %s %s", c.URL, resp.Status, strings.TrimSpace(string(body)))
	}
	return ""
}

// SystemctlIsActive runs `systemctl is-active UNIT` and returns its answer
// ("active", "activating", "failed", ...). The command exits non-zero for
// every state but active, so only a missing answer is an error.
func SystemctlIsActive(ctx context.Context, unit string) (string, error) {
	out, err := exec.CommandContext(ctx, "systemctl", "is-active", unit).Output()
	state := strings.TrimSpace(string(out))
	if state == "" {
		return "", fmt.Errorf("update: systemctl is-active %s: %v", unit, err)
	}
	return state, nil
}

// ReadyURL turns the daemon's http.listen ("host:port", host may be empty or
// a wildcard) into the loopback readiness URL.
func ReadyURL(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("update: http.listen %q: %w", listen, err)
	}
	switch host {
	case "", "0.0.0.0", "::", "[::]":
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/api/v1/health/ready", nil
}
