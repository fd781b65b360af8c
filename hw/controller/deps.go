package controller

import (
	"context"
	"log/slog"

	"github.com/jonboulle/clockwork"

	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/hw/led"
	"github.com/cuecast/cuecast/hw/pjlink"
)

// Reporter is the supervisor's view (supervise.Reporter satisfies it).
type Reporter interface {
	OK(detail string)
	Fail(err error)
}

// Alerter raises alerts for people (*hub.Hub satisfies it).
type Alerter interface {
	RaiseAlert(a model.Alert) (*hub.Publication, error)
}

// Feed is a hub subscription (*hub.Client satisfies it).
type Feed interface {
	Next(ctx context.Context, buf []*hub.Publication) ([]*hub.Publication, error)
	Close()
}

// Subscriber opens a feed of the event and alert streams. The controller
// calls it again after the feed ends (a slow-consumer cut, say).
type Subscriber func() (Feed, error)

// HubSubscriber subscribes to h's event and alert streams as client "hw".
func HubSubscriber(h *hub.Hub) Subscriber {
	return func() (Feed, error) {
		c := h.Connect(hub.ClientOptions{ID: "hw", Transport: "hw", QueueSize: 256})
		if _, err := c.Subscribe([]hub.Stream{hub.StreamEvent, hub.StreamAlert}, nil, nil); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	}
}

// Strip is an LED strip (*led.Strip satisfies it).
type Strip interface {
	Len() int
	Write(px []led.RGB) error
}

// Projector is the projector's control (*pjlink.Client satisfies it).
type Projector interface {
	Addr() string
	Status(ctx context.Context) (pjlink.Status, error)
	SetPower(ctx context.Context, on bool) error
	WaitPower(ctx context.Context, want pjlink.Power) error
	SetInput(ctx context.Context, input string) error
}

// Deps are the controller's collaborators. Only Log is required.
type Deps struct {
	Log       *slog.Logger
	Reporter  Reporter   // nil: nothing reported
	Alerts    Alerter    // nil: faults are only logged and reported
	Subscribe Subscriber // nil: no events, the LEDs show the idle pattern only
	Clock     clockwork.Clock
	// Open opens the devices the config names; nil is OpenDevices (periph).
	// Tests pass fakes.
	Open func(log *slog.Logger) (*Devices, []error)
}
