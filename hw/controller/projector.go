package controller

import (
	"context"
	"fmt"
	"time"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/hw/pjlink"
)

// projectorLoop polls the projector and runs power requests, one at a time:
// a projector serves one connection at a time.
func (c *Controller) projectorLoop(ctx context.Context) {
	defer c.wg.Done()
	t := c.clock.NewTicker(c.cfg.Projector.PollInterval.D())
	defer t.Stop()
	c.pollProjector(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-c.projReq:
			c.powerProjector(ctx, r)
			c.pollProjector(ctx)
		case <-t.Chan():
			c.pollProjector(ctx)
		}
	}
}

func (c *Controller) pollProjector(ctx context.Context) {
	p := c.dev.Projector
	st, err := p.Status(ctx)
	if err != nil {
		if ctx.Err() == nil {
			c.h.fail(PartProjector, err)
		}
		return
	}
	detail := p.Addr() + " " + st.Power.String()
	if len(st.Lamps) > 0 {
		detail += fmt.Sprintf(", lamp %dh", st.Lamps[0].Hours)
	}
	if st.Input != "" {
		detail += ", input " + st.Input
	}
	c.h.ok(PartProjector, detail)
	c.erstAlerts(st.Errors)
}

// erstAlerts raises an alert for each ERST field that changed: warning or
// error when it went bad, info when it came back.
func (c *Controller) erstAlerts(e pjlink.Errors) {
	for i, h := range e.Fields() {
		if h == c.lastErst[i] {
			continue
		}
		c.lastErst[i] = h
		part := pjlink.ErrorParts[i]
		code := "projector_" + part
		switch h {
		case pjlink.OK:
			c.log.Info("hw: projector error cleared", "part", part)
			c.h.raise(model.AlertInfo, code+"_ok", fmt.Sprintf("projector %s back to normal", part))
		default:
			level := model.AlertWarning
			if h == pjlink.Error {
				level = model.AlertError
			}
			c.log.Warn("hw: projector reports a fault", "part", part, "level", h.String())
			c.h.raise(level, code, fmt.Sprintf("projector %s %s (PJLink ERST): %s", part, h, erstHint[i]))
		}
	}
}

// erstHint is what a technician checks for each ERST field.
var erstHint = [6]string{
	"check the air intake and exhaust are clear",
	"the lamp may be at end of life: check its hours and replace",
	"check ventilation and room temperature",
	"the lamp or filter cover is open",
	"clean or replace the air filter",
	"see the projector's own display or web page",
}

// warmUpMax bounds the wait for a projector to come on; real ones take 30
// to 90 s.
const warmUpMax = 3 * time.Minute

func (c *Controller) powerProjector(ctx context.Context, r projRequest) {
	p := c.dev.Projector
	if err := p.SetPower(ctx, r.on); err != nil {
		if ctx.Err() == nil {
			c.h.fail(PartProjector, fmt.Errorf("hw: projector power %s: %w", onOff(r.on), err))
		}
		return
	}
	c.log.Info("hw: projector power", "on", r.on)
	if !r.on || r.input == "" {
		return
	}
	// Inputs can only be selected once the lamp is up. The wait is bounded:
	// a projector that never comes on (a dead lamp) must not stop the polls
	// that would report why.
	wctx, cancel := context.WithTimeout(ctx, warmUpMax)
	defer cancel()
	if err := p.WaitPower(wctx, pjlink.PowerOn); err != nil {
		if ctx.Err() == nil {
			c.h.fail(PartProjector, fmt.Errorf("hw: projector warm-up: %w", err))
		}
		return
	}
	if err := p.SetInput(ctx, r.input); err != nil && ctx.Err() == nil {
		c.h.fail(PartProjector, fmt.Errorf("hw: projector input %s: %w", r.input, err))
	}
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}
