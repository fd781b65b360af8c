package hub_test

import (
	"context"
	"fmt"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
)

// A display subscribes, goes away, and resumes from where it stood.
func Example() {
	h := hub.New(config.Default().Hub, nil)
	h.Publish(hub.StreamState, model.State{Seq: 1, Phase: "idle"})

	c := h.Connect(hub.ClientOptions{Group: "display"})
	res, _ := c.Subscribe([]hub.Stream{hub.StreamState, hub.StreamEvent}, nil, map[hub.Stream]float64{hub.StreamState: 10})
	fmt.Println(res[0].Stream, "replayed", res[0].Replayed, "|", res[1].Stream, "replayed", res[1].Replayed)

	h.Publish(hub.StreamEvent, model.Event{Type: model.EventShotStarted})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var last hub.Position
	for got := 0; got < 2; {
		pubs, _ := c.Next(ctx, nil)
		for _, p := range pubs {
			fmt.Println("got", p.Stream, p.Offset)
			if p.Stream == hub.StreamEvent {
				last = p.Position()
			}
			got++
		}
	}
	c.Close()

	h.Publish(hub.StreamEvent, model.Event{Type: model.EventBallPocketed})
	h.Publish(hub.StreamEvent, model.Event{Type: model.EventShotEnded})

	c2 := h.Connect(hub.ClientOptions{Group: "display"})
	defer c2.Close()
	res, _ = c2.Subscribe([]hub.Stream{hub.StreamEvent}, map[hub.Stream]hub.Position{hub.StreamEvent: last}, nil)
	fmt.Println("recovered", res[0].Recovered, "replayed", res[0].Replayed)
	// The event was queued after the state but has priority over it.

	// Output:
	// event replayed 0 | state replayed 1
	// got event 1
	// got state 1
	// recovered true replayed 2
}
