package mirror

import "sync"

// Inbound commands are never dropped once the broker has been told they
// arrived. Paho acknowledges a QoS 1 message (PUBACK) when its handler
// returns, unless auto-ack is off; it is off here, so a command is
// acknowledged only after commandLoop has applied it, or answered "busy",
// and published the reply.
//
// The broker's in-flight window (Mosquitto max_inflight_messages) does not
// hold a burst back: Mosquitto 2.0.11, the broker the box ships, sends a
// fresh window's worth after every acknowledgement, and a persistent
// session's backlog arrives at once after CONNACK. So the queue between
// paho's router and commandLoop is bounded here, and answers the excess:
//
//   - the first queueApply messages (at most queueApplyBytes of payload)
//     are kept whole, to be applied; a payload over maxCommandBytes is kept
//     as its size only, to be refused;
//   - after them, up to queueBusy more are kept as command name and id only,
//     and answered "busy" in their turn, without being applied;
//   - past both, a message is not kept: a QoS 1 or 2 command is left
//     unacknowledged, so the broker sends it again at the next connection
//     (counted as deferred); a QoS 0 one (at most once, by the sender's
//     choice) is counted as dropped. Both are logged.
//
// Every kept message is answered exactly once, in arrival order. Memory:
// at most queueApplyBytes of payloads plus a few hundred bytes per message.
const (
	queueApply      = 1024
	queueApplyBytes = 1 << 20
	queueBusy       = 4096
)

// inbound is a message handed from paho's router to commandLoop.
type inbound struct {
	topic    string
	payload  []byte // nil when busy or tooBig
	tooBig   int    // payload length when it was over maxCommandBytes (not kept)
	busy     bool   // kept as name and id only: answer busy
	id       string // busy: the correlation id, if it could be read
	retained bool
	dup      bool   // the broker's DUP flag: a redelivery
	qos      byte   // 1 or 2: gen's connection must acknowledge it
	gen      uint64 // connection it arrived on
	ack      func() // sends the PUBACK (no-op at QoS 0); safe to call twice
}

// cmdQueue is a FIFO of inbound messages: push never blocks (paho's
// router), pop is commandLoop's. mu guards every field but wake.
type cmdQueue struct {
	mu      sync.Mutex
	items   []inbound
	head    int
	whole   int // kept messages with their payload (not busy)
	bytes   int // their payloads' length
	dropped uint64
	wake    chan struct{} // cap 1: something was pushed
}

func newCmdQueue() *cmdQueue { return &cmdQueue{wake: make(chan struct{}, 1)} }

// push keeps in if there is room, as a whole message or (past queueApply)
// as a busy one. It reports false when in was not kept.
func (q *cmdQueue) push(in inbound) bool {
	q.mu.Lock()
	n := len(q.items) - q.head
	switch {
	case q.whole < queueApply && q.bytes+len(in.payload) <= queueApplyBytes:
		q.whole++
		q.bytes += len(in.payload)
	case n < queueApply+queueBusy:
		in.busy = true
		in.id = peekID(in.payload)
		in.payload = nil
	default:
		if in.qos == 0 {
			q.dropped++
		}
		q.mu.Unlock()
		return false
	}
	q.items = append(q.items, in)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return true
}

// pop takes the oldest message.
func (q *cmdQueue) pop() (inbound, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.head == len(q.items) {
		return inbound{}, false
	}
	in := q.items[q.head]
	q.items[q.head] = inbound{}
	q.head++
	if !in.busy {
		q.whole--
		q.bytes -= len(in.payload)
	}
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	} else if q.head >= 1024 && q.head*2 >= len(q.items) {
		// Compact now and then, so a queue that never empties does not
		// grow its backing array for ever.
		q.items = append(q.items[:0], q.items[q.head:]...)
		q.head = 0
	}
	return in, true
}

// forget removes the QoS 1 and 2 messages that arrived before connection
// gen: they were never acknowledged, so the broker sends them again on the
// new session (applying the old copies too would apply them twice). It
// returns how many were removed.
func (q *cmdQueue) forget(gen uint64) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	kept := q.items[:q.head]
	n := 0
	for _, in := range q.items[q.head:] {
		if in.qos > 0 && in.gen < gen {
			n++
			if !in.busy {
				q.whole--
				q.bytes -= len(in.payload)
			}
			continue
		}
		kept = append(kept, in)
	}
	clear(q.items[len(kept):])
	q.items = kept
	return n
}

// len returns how many messages wait.
func (q *cmdQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items) - q.head
}

// droppedQoS0 returns how many QoS 0 messages were not kept since start.
func (q *cmdQueue) droppedQoS0() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.dropped
}
