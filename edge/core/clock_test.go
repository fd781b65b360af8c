package core

import (
	"context"
	"sync"
	"time"
)

// stepClock is a sim.Clock whose time moves only when slept on.
type stepClock struct {
	mu    sync.Mutex
	now   time.Time
	start time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.start.IsZero() {
		c.start = c.now
	}
	return c.now
}

func (c *stepClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
	}
	return ctx.Err()
}
