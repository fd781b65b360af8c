package daemon

import (
	"context"
	"reflect"
	"time"

	"github.com/cuecast/cuecast/broker/mirror"
	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/hw/controller"
)

// consumerNames are the hub consumers that restart when their config
// section changes, in start order (stop runs in the same order: MQTT says
// `stopped` before the hardware goes to its safe state).
var consumerNames = []string{"mqtt", "hw"}

func consumerChanged(name string, old, cur config.Config) bool {
	switch name {
	case "mqtt":
		return !reflect.DeepEqual(old.MQTT, cur.MQTT) || old.Box != cur.Box
	case "hw":
		return !reflect.DeepEqual(old.HW, cur.HW)
	}
	return false
}

func (d *Daemon) startPart(name string, cfg config.Config) {
	var p *part
	switch name {
	case "mqtt":
		p = d.startMQTT(cfg)
	case "hw":
		p = d.startHW(cfg)
	}
	d.mu.Lock()
	d.parts[name] = p
	d.mu.Unlock()
}

func (d *Daemon) restartPart(name string, cfg config.Config) {
	d.mu.Lock()
	old := d.parts[name]
	delete(d.parts, name)
	d.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	old.stop(ctx)
	cancel()
	d.startPart(name, cfg)
}

// startMQTT runs the MQTT mirror. A broker that is down is not an error:
// the mirror retries with backoff and reports through the "mqtt" component.
func (d *Daemon) startMQTT(cfg config.Config) *part {
	comp := d.sup.Component("mqtt")
	if cfg.MQTT.Off() {
		comp.Disable("mqtt.url is off")
		return nil
	}
	m, err := mirror.New(cfg.MQTT, cfg.Box, d.hub, comp, d.log)
	if err != nil {
		comp.Fail(err)
		d.alert(model.AlertError, "mqtt_store", err.Error(), "mqtt")
		return nil
	}
	m.SetSnapshotter(func() ([]byte, error) {
		ctx, cancel := context.WithTimeout(d.rootCtx, 3*time.Second)
		defer cancel()
		return d.video.Snapshot(ctx, time.Second)
	})
	return d.runPart("mqtt", func(ctx context.Context) {
		if err := m.Run(ctx); err != nil {
			comp.Fail(err)
		}
	}, func(ctx context.Context) {
		// `stopped` is published and acknowledged before DISCONNECT.
		if err := m.Shutdown(ctx); err != nil {
			d.log.Warn("mqtt shutdown", "component", "mqtt", "err", err)
		}
	})
}

// startHW runs the LED, GPIO and projector controller. A missing device is
// never fatal: that part is disabled, reported and the rest keeps going.
func (d *Daemon) startHW(cfg config.Config) *part {
	comp := d.sup.Component("hw")
	if !cfg.HW.Enabled {
		comp.Disable("no hardware configured ([hw] enabled = false)")
		return nil
	}
	ctl := controller.New(cfg.HW, controller.Deps{
		Log: d.log, Reporter: comp, Alerts: d.hub,
		Subscribe: controller.HubSubscriber(d.hub),
	})
	if err := ctl.Start(); err != nil {
		comp.Fail(err)
	}
	d.mu.Lock()
	d.hwCtl = ctl
	d.mu.Unlock()
	if d.sup.IsReady() {
		ctl.Ready() // restarted by a reload after READY
	}
	return d.runPart("hw", func(ctx context.Context) { <-ctx.Done() },
		func(ctx context.Context) {
			// The safe state: LEDs off, projector and relay as configured.
			if err := ctl.Shutdown(ctx); err != nil {
				d.log.Error("hardware shutdown", "component", "hw", "err", err)
			}
		})
}
