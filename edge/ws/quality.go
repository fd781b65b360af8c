package ws

import (
	"time"

	"github.com/cuecast/cuecast/edge/hub"
)

// autoQuality picks the frame level of a client that asked for quality
// "auto" from how it keeps up: it steps down a level (smaller frames) after
// a few frames in a row found the client behind, and back up once it has
// kept pace for a while. It is owned by the connection's writer goroutine.
//
// Behind means the hub replaced a frame that was waiting for this client
// (its socket did not take the previous one in time), or writing the frame
// took more than half the time between frames. On loopback or a good link
// neither happens; on venue Wi-Fi a 1280x720 JPEG stream does both.
type autoQuality struct {
	level      int
	behind     int       // frames in a row found behind
	kept       int       // frames in a row delivered in time
	changed    time.Time // last level change
	lastPub    time.Time // publication time of the previous frame
	lastDrops  uint64    // the client's frame drops at the previous frame
	stepDownAt int       // frames behind in a row before stepping down
	stepUpAt   int       // frames in time in a row before stepping up
	hold       time.Duration
}

func newAutoQuality() *autoQuality {
	return &autoQuality{stepDownAt: 3, stepUpAt: 45, hold: 10 * time.Second}
}

// observe records one frame written at level a.level: its publication time,
// how long the write took and the client's frame drop count after it. It
// returns the level to use from now on and whether it changed.
func (a *autoQuality) observe(now, published time.Time, write time.Duration, drops uint64) (int, bool) {
	gap := published.Sub(a.lastPub)
	first := a.lastPub.IsZero()
	a.lastPub = published
	dropped := drops > a.lastDrops
	a.lastDrops = drops
	if first {
		return a.level, false
	}
	if dropped || gap > 0 && write > gap/2 {
		a.behind++
		a.kept = 0
	} else {
		a.kept++
		a.behind = 0
	}
	switch {
	case a.behind >= a.stepDownAt && a.level < hub.NumLevels-1:
		a.level++
	case a.kept >= a.stepUpAt && a.level > 0 && now.Sub(a.changed) >= a.hold:
		a.level--
	default:
		return a.level, false
	}
	a.behind, a.kept, a.changed = 0, 0, now
	return a.level, true
}
