package labelapi

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/cuecast/cuecast/edge/model"
)

// Grabber hands one frame from a frame loop to a capture: Grab asks for the
// next frame and waits; the loop calls Offer with every frame, which costs
// an atomic load unless a grab is waiting. Offer copies the pixels, so the
// loop may reuse its frame at once.
//
// Offer is called from the frame loop's goroutine; Grab from any, one at a
// time (mu).
type Grabber struct {
	mu   sync.Mutex // one Grab at a time
	want atomic.Bool
	got  chan *model.Frame // buffered 1
}

// NewGrabber returns an idle Grabber.
func NewGrabber() *Grabber { return &Grabber{got: make(chan *model.Frame, 1)} }

// Wanted reports whether a grab is waiting (the loop may skip work for
// frames nobody wants); false on a nil Grabber.
func (g *Grabber) Wanted() bool { return g != nil && g.want.Load() }

// Offer gives the waiting grab, if any, a copy of f.
func (g *Grabber) Offer(f *model.Frame) {
	if !g.want.CompareAndSwap(true, false) {
		return
	}
	c := *f
	c.Pix = append([]byte(nil), f.Pix...)
	c.Truth = nil
	select {
	case g.got <- &c:
	default: // a grab that gave up left its frame unread: replace it
		select {
		case <-g.got:
		default:
		}
		g.got <- &c
	}
}

// Grab waits for the next frame the loop offers, or ctx's end.
func (g *Grabber) Grab(ctx context.Context) (*model.Frame, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	select { // a frame left by a grab that timed out is stale
	case <-g.got:
	default:
	}
	g.want.Store(true)
	select {
	case f := <-g.got:
		return f, nil
	case <-ctx.Done():
		g.want.Store(false)
		return nil, ctx.Err()
	}
}
