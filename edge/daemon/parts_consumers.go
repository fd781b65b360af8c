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

func mqttChanged(old, cur config.Config) bool {
	return !reflect.DeepEqual(old.MQTT, cur.MQTT) || old.Box != cur.Box
}

func hwChanged(old, cur config.Config) bool { return !reflect.DeepEqual(old.HW, cur.HW) }

// buildMQTT runs the MQTT mirror. A broker that is down is not an error:
// the mirror retries with backoff and reports through its handle.
func (d *Daemon) buildMQTT(ctx context.Context, cfg config.Config) (func(context.Context), error) {
	comp := d.health.mqtt
	if cfg.MQTT.Off() {
		comp.Disable("mqtt.url is off")
		return nil, nil
	}
	m, err := mirror.New(cfg.MQTT, cfg.Box, d.hub, comp, d.log)
	if err != nil {
		comp.Fail(err)
		d.alert(model.AlertError, "mqtt_store", err.Error(), "mqtt")
		return nil, nil
	}
	m.SetSnapshotter(func() ([]byte, error) {
		sctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		return d.video.Snapshot(sctx, time.Second)
	})
	return goPart(ctx, "mqtt", d.log, func(ctx context.Context) {
		if err := m.Run(ctx); err != nil {
			comp.Fail(err)
		}
	}, func(ctx context.Context) {
		// `stopped` is published and acknowledged before DISCONNECT.
		if err := m.Shutdown(ctx); err != nil {
			d.log.Warn("mqtt shutdown", "component", "mqtt", "err", err)
		}
	}), nil
}

// buildHW runs the LED, GPIO and projector controller. A missing device is
// never fatal: that part is disabled, reported and the rest keeps going.
func (d *Daemon) buildHW(ctx context.Context, cfg config.Config) (func(context.Context), error) {
	comp := d.health.hw
	d.setHW(nil)
	if !cfg.HW.Enabled {
		comp.Disable("no hardware configured ([hw] enabled = false)")
		return nil, nil
	}
	ctl := controller.New(cfg.HW, controller.Deps{
		Log: d.log, Reporter: comp, Alerts: d.hub,
		Subscribe: controller.HubSubscriber(d.hub),
	})
	if err := ctl.Start(); err != nil {
		comp.Fail(err)
	}
	d.setHW(ctl)
	if d.sup.IsReady() {
		ctl.Ready() // restarted by a reload after READY
	}
	return goPart(ctx, "hw", d.log, func(ctx context.Context) { <-ctx.Done() },
		func(ctx context.Context) {
			d.setHW(nil)
			// The safe state: LEDs off, projector and relay as configured.
			if err := ctl.Shutdown(ctx); err != nil {
				d.log.Error("hardware shutdown", "component", "hw", "err", err)
			}
		}), nil
}

func (d *Daemon) setHW(ctl *controller.Controller) {
	d.hwMu.Lock()
	d.hwCtl = ctl
	d.hwMu.Unlock()
}

// hwReady tells the hardware the daemon is READY (idle LED pattern,
// projector on).
func (d *Daemon) hwReady() {
	d.hwMu.Lock()
	ctl := d.hwCtl
	d.hwMu.Unlock()
	if ctl != nil {
		ctl.Ready()
	}
}
