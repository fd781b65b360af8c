package hub

// Stream names a flow of publications. The set is fixed by contract
// (DESIGN.md); clients name streams by these strings.
type Stream string

const (
	StreamAlert       Stream = "alert"
	StreamConfig      Stream = "config"
	StreamEvent       Stream = "event"
	StreamTrajectory  Stream = "trajectory"
	StreamState       Stream = "state"
	StreamPerformance Stream = "performance"
	StreamFrame       Stream = "frame"
	// StreamGame is the game's state (players, score, turn, ball in hand,
	// the last decision): a newer value supersedes an older one.
	StreamGame Stream = "game"
)

// Streams lists every stream in delivery priority order (highest first).
// game came last, after the seed's streams: a stream's position is its code
// in the WebSocket binary header, so it is appended rather than inserted.
var Streams = []Stream{StreamAlert, StreamConfig, StreamEvent, StreamTrajectory, StreamState, StreamPerformance, StreamFrame, StreamGame}

// numStreams sizes the per-stream arrays; the index of a stream is its
// position in Streams, which is also its priority rank.
const numStreams = 8

// streamIndex returns the index of s in Streams, or -1 when s is unknown.
func streamIndex(s Stream) int {
	switch s {
	case StreamAlert:
		return 0
	case StreamConfig:
		return 1
	case StreamEvent:
		return 2
	case StreamTrajectory:
		return 3
	case StreamState:
		return 4
	case StreamPerformance:
		return 5
	case StreamFrame:
		return 6
	case StreamGame:
		return 7
	}
	return -1
}

// Valid reports whether s is one of the contract streams.
func (s Stream) Valid() bool { return streamIndex(s) >= 0 }

// Conflating reports whether a slow subscriber of s gets only the latest
// publication (state, frame, performance, trajectory: a newer value
// supersedes an older one) rather than every one (alert, config, event: each
// publication is a fact the client must see, so it is never dropped).
//
// trajectory conflates although the issue only names state and frame: it is
// a prediction recomputed every frame while aiming, so an older one is as
// stale as an older state, and making it reliable would disconnect tablets
// that cannot keep up with 60 Hz predictions.
func (s Stream) Conflating() bool {
	i := streamIndex(s)
	return i >= idxTrajectory
}

const (
	idxAlert       = 0
	idxConfig      = 1
	idxEvent       = 2
	idxTrajectory  = 3
	idxState       = 4
	idxPerformance = 5
	idxFrame       = 6
)

// Priority is the delivery rank of s: 0 is delivered first. alert and config
// share rank 0 (they are delivered in publication order between themselves).
func (s Stream) Priority() int {
	i := streamIndex(s)
	switch {
	case i < 0:
		return -1
	case i <= idxConfig:
		return 0
	default:
		return i - 1
	}
}

// keepsLatest reports whether a fresh subscriber of s is first sent the
// stream's latest publication. Events are facts, not state: a fresh
// subscriber starts with the next one (or resumes from history); alerts are
// replaced by the set of unacknowledged alerts.
func (s Stream) keepsLatest() bool {
	return s != StreamEvent && s != StreamAlert
}

// streamSet is a set of streams as a bit mask (bit i = Streams[i]).
type streamSet uint8

func (m streamSet) has(i int) bool { return m&(1<<i) != 0 }

func (m streamSet) list() []Stream {
	var out []Stream
	for i := 0; i < numStreams; i++ {
		if m.has(i) {
			out = append(out, Streams[i])
		}
	}
	return out
}
