package hub

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/config"
)

func offsets(ps []*Publication) []uint64 {
	out := make([]uint64, len(ps))
	for i, p := range ps {
		out[i] = p.Offset
	}
	return out
}

func TestResumeWithinHistory(t *testing.T) {
	h := testHub(t)
	c := h.Connect(ClientOptions{})
	if _, err := c.Subscribe([]Stream{StreamEvent}, nil, nil); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		h.Publish(StreamEvent, i)
	}
	got := drain(t, c)
	last := got[len(got)-1].Position()
	c.Close()
	// Missed while away: 6..20.
	for i := 6; i <= 20; i++ {
		h.Publish(StreamEvent, i)
	}
	c2 := h.Connect(ClientOptions{})
	defer c2.Close()
	res, err := c2.Subscribe([]Stream{StreamEvent}, map[Stream]Position{StreamEvent: last}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res[0].Resumed || !res[0].Recovered || res[0].Replayed != 15 || res[0].Offset != 20 {
		t.Errorf("Subscribe(resume %v) = %+v, want recovered with 15 replayed", last, res[0])
	}
	// Live publications racing the replay must follow it, without gap or dup.
	h.Publish(StreamEvent, 21)
	got = drain(t, c2)
	want := make([]uint64, 0, 16)
	for i := uint64(6); i <= 21; i++ {
		want = append(want, i)
	}
	if fmt.Sprint(offsets(got)) != fmt.Sprint(want) {
		t.Errorf("after resume got offsets %v, want %v", offsets(got), want)
	}
	for _, p := range got {
		if string(p.Data) != strconv.FormatUint(p.Offset, 10) {
			t.Errorf("offset %d carries %s", p.Offset, p.Data)
		}
	}
}

func TestResumeNotRecovered(t *testing.T) {
	h := testHub(t, func(c *config.Hub) { c.HistoryCount = 10 })
	for i := 1; i <= 30; i++ {
		h.Publish(StreamEvent, i)
		h.Publish(StreamConfig, map[string]int{"v": i})
		h.Publish(StreamState, i)
	}
	cases := []struct {
		name string
		s    Stream
		pos  Position
		rec  bool
		want []uint64
	}{
		{"beyond history", StreamEvent, Position{h.Epoch(), 5}, false, []uint64{30}},
		{"just inside history", StreamEvent, Position{h.Epoch(), 20}, true, []uint64{21, 22, 23, 24, 25, 26, 27, 28, 29, 30}},
		{"other epoch", StreamEvent, Position{"0123456789abcdef", 29}, false, []uint64{30}},
		{"ahead of stream", StreamEvent, Position{h.Epoch(), 31}, false, []uint64{30}},
		{"up to date", StreamEvent, Position{h.Epoch(), 30}, true, nil},
		{"config beyond history gets latest", StreamConfig, Position{h.Epoch(), 1}, false, []uint64{30}},
		{"conflating resume gets latest", StreamState, Position{h.Epoch(), 3}, true, []uint64{30}},
		{"conflating other epoch", StreamState, Position{"x", 3}, false, []uint64{30}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := h.Connect(ClientOptions{})
			defer c.Close()
			res, err := c.Subscribe([]Stream{tc.s}, map[Stream]Position{tc.s: tc.pos}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res[0].Recovered != tc.rec {
				t.Errorf("recovered = %v, want %v", res[0].Recovered, tc.rec)
			}
			if got := offsets(drain(t, c)); fmt.Sprint(got) != fmt.Sprint(tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Errorf("delivered %v, want %v", got, tc.want)
			}
		})
	}
}

func TestHistoryAge(t *testing.T) {
	h := testHub(t, func(c *config.Hub) { c.HistoryAge = config.Duration(30 * time.Millisecond) })
	h.Publish(StreamEvent, 1)
	time.Sleep(60 * time.Millisecond)
	h.Publish(StreamEvent, 2)
	c := h.Connect(ClientOptions{})
	defer c.Close()
	res, _ := c.Subscribe([]Stream{StreamEvent}, map[Stream]Position{StreamEvent: {h.Epoch(), 0}}, nil)
	if res[0].Recovered {
		t.Errorf("resume from 0 recovered although publication 1 aged out: %+v", res[0])
	}
	if got := offsets(drain(t, c)); fmt.Sprint(got) != "[2]" {
		t.Errorf("delivered %v, want the latest [2]", got)
	}
}

func TestConflationAndPriority(t *testing.T) {
	h := testHub(t)
	c := h.Connect(ClientOptions{})
	defer c.Close()
	c.Subscribe(Streams, nil, nil)
	for i := 0; i < 10; i++ {
		h.Publish(StreamState, i)
		h.Publish(StreamFrame, i)
	}
	h.PublishBinary(StreamFrame, []byte{0xff, 0xd8})
	h.Publish(StreamTrajectory, 1)
	h.Publish(StreamEvent, "e1")
	h.Publish(StreamPerformance, 1)
	h.Publish(StreamEvent, "e2")
	h.RaiseAlert(alertOf("a"))
	h.Publish(StreamConfig, 1)
	got := drain(t, c)
	var order []string
	for _, p := range got {
		order = append(order, fmt.Sprintf("%s%d", p.Stream, p.Offset))
	}
	want := "[alert1 config1 event1 event2 trajectory1 state10 performance1 frame11]"
	if fmt.Sprint(order) != want {
		t.Errorf("delivery order %v, want %v", order, want)
	}
	info := c.Info()
	if info.Dropped != 19 {
		t.Errorf("dropped = %d, want 19 (9 state + 10 frame superseded)", info.Dropped)
	}
	if got[len(got)-1].Binary == nil {
		t.Error("frame publication lost its binary payload")
	}
}

func TestThrottleLatestWins(t *testing.T) {
	h := testHub(t)
	c := h.Connect(ClientOptions{})
	defer c.Close()
	res, err := c.Subscribe([]Stream{StreamState}, nil, map[Stream]float64{StreamState: 20}) // 50 ms
	if err != nil || res[0].MaxRateHz != 20 {
		t.Fatalf("Subscribe = %+v, %v", res, err)
	}
	beforeFirst := time.Now() // the first delivery is taken after this
	h.Publish(StreamState, 1)
	first := drain(t, c) // drain waits 20 ms idle: less than the interval
	if len(first) != 1 {
		t.Fatalf("first delivery %v", offsets(first))
	}
	for i := 2; i <= 5; i++ {
		h.Publish(StreamState, i)
	}
	// Poll: inside the interval it gives nothing and says when; a loaded
	// machine may already be past it, and then Poll delivers (checked
	// against the same lower bound below).
	got, due, _ := c.Poll(nil)
	if len(got) == 0 {
		if due.IsZero() {
			t.Error("a throttled value waits but Poll gave no due time")
		}
		ctx, cancel := ctxTimeout(20 * time.Second)
		defer cancel()
		var err error
		if got, err = c.Next(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 1 || got[0].Offset != 5 {
		t.Errorf("throttled delivery %v, want only the latest [5]", offsets(got))
	}
	// Not earlier than the interval after the previous delivery, which
	// was taken after beforeFirst: a lower bound no scheduling delay can
	// break (a delay only makes the wait longer).
	if el := time.Since(beforeFirst); el < 50*time.Millisecond {
		t.Errorf("throttled value delivered %v after the previous delivery, want >= 50ms", el)
	}
	if _, err := c.Subscribe([]Stream{StreamEvent}, nil, map[Stream]float64{StreamEvent: 5}); err == nil {
		t.Error("max rate on a never-dropped stream accepted")
	}
	for _, r := range []float64{-1, MaxRateHzLimit + 1, math.NaN(), math.Inf(1)} {
		if _, err := c.Subscribe([]Stream{StreamState}, nil, map[Stream]float64{StreamState: r}); err == nil {
			t.Errorf("max rate %v accepted", r)
		}
	}
}

// Field probe: max_rate_hz 1e-10 gave an interval that overflowed
// time.Duration into a negative one, that is no throttle at all. Rates
// between 0 and MinRateHz are refused with the range, and nothing changes.
func TestMaxRateTooSmallRefusedNotUnthrottled(t *testing.T) {
	h := testHub(t)
	c := h.Connect(ClientOptions{})
	defer c.Close()
	for _, r := range []float64{1e-10, 1e-300, math.SmallestNonzeroFloat64, MinRateHz / 2} {
		_, err := c.Subscribe([]Stream{StreamState}, nil, map[Stream]float64{StreamState: r})
		if err == nil || !strings.Contains(err.Error(), "want 0 (no limit) or 0.001 to 1000") {
			t.Errorf("max rate %v: %v, want refused with the range", r, err)
		}
	}
	if len(c.Streams()) != 0 {
		t.Fatalf("a refused subscribe subscribed %v", c.Streams())
	}
	res, err := c.Subscribe([]Stream{StreamState}, nil, map[Stream]float64{StreamState: MinRateHz})
	if err != nil || res[0].MaxRateHz != MinRateHz {
		t.Fatalf("max rate %v: %+v, %v; want accepted", MinRateHz, res, err)
	}
	// The slowest rate throttles: after one delivery the next waits 1000 s.
	h.Publish(StreamState, 1)
	if got, _, _ := c.Poll(nil); len(got) != 1 {
		t.Fatalf("first value: %d publications, want 1", len(got))
	}
	h.Publish(StreamState, 2)
	got, due, _ := c.Poll(nil)
	if len(got) != 0 || time.Until(due) < 900*time.Second {
		t.Errorf("second value at %v Hz: %d delivered, due in %v; want held about 1000 s", MinRateHz, len(got), time.Until(due))
	}
}

func TestGroups(t *testing.T) {
	h := testHub(t)
	proj := h.Connect(ClientOptions{Group: "projector"})
	disp := h.Connect(ClientOptions{Group: "display"})
	none := h.Connect(ClientOptions{})
	for _, c := range []*Client{proj, disp, none} {
		defer c.Close()
		c.Subscribe([]Stream{StreamEvent, StreamState}, nil, nil)
	}
	h.PublishGroup(StreamEvent, "projector", "p-only")
	h.Publish(StreamEvent, "all")
	h.PublishGroup(StreamState, "display", "d-state")
	count := func(c *Client) string {
		var s []string
		for _, p := range drain(t, c) {
			s = append(s, string(p.Data))
		}
		return fmt.Sprint(s)
	}
	if got := count(proj); got != `["p-only" "all"]` {
		t.Errorf("projector got %s", got)
	}
	if got := count(disp); got != `["all" "d-state"]` {
		t.Errorf("display got %s", got)
	}
	if got := count(none); got != `["all"]` {
		t.Errorf("ungrouped got %s", got)
	}
	// A new display subscriber gets the display's latest state.
	late := h.Connect(ClientOptions{Group: "display"})
	defer late.Close()
	late.Subscribe([]Stream{StreamState}, nil, nil)
	if got := count(late); got != `["d-state"]` {
		t.Errorf("late display got %s", got)
	}
	if _, err := h.PublishGroup(StreamEvent, "Bad Group", 1); err == nil {
		t.Error("invalid group name accepted")
	}
	var env map[string]any
	json.Unmarshal(h.Latest(StreamEvent).JSON(), &env)
	if _, ok := env["group"]; ok {
		t.Error("untargeted publication carries a group")
	}
}

// Latency excludes the hold a client's max rate imposes.
func TestThrottleNotCountedAsLatency(t *testing.T) {
	h := testHub(t)
	c := h.Connect(ClientOptions{})
	defer c.Close()
	c.Subscribe([]Stream{StreamState}, nil, map[Stream]float64{StreamState: 5}) // 200 ms
	h.Publish(StreamState, 1)
	got, _ := c.Next(t.Context(), nil)
	c.RecordDelivery(got[0], 1, time.Now())
	h.Publish(StreamState, 2) // held ~200 ms by the rate
	got, _ = c.Next(t.Context(), nil)
	c.RecordDelivery(got[0], 1, time.Now())
	if l := c.Info().Latency; l.MaxMS > 100 {
		t.Errorf("max latency %vms: the 200 ms rate hold was counted", l.MaxMS)
	}
}
