package main

import (
	"context"
	"net/http"
	"reflect"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/video"
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

func (d *daemon) startPart(name string, cfg config.Config) {
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

func (d *daemon) restartPart(name string, cfg config.Config) {
	d.mu.Lock()
	old := d.parts[name]
	delete(d.parts, name)
	d.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	old.stop(ctx)
	cancel()
	d.startPart(name, cfg)
}

func (d *daemon) startMQTT(cfg config.Config) *part {
	d.sup.Component("mqtt").Disable("not wired yet")
	return nil
}

func (d *daemon) startHW(cfg config.Config) *part {
	d.sup.Component("hw").Disable("no hardware configured")
	return nil
}

var _ = model.AlertInfo
var _ = http.MethodGet
var _ = video.New
