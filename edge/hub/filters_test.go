package hub

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub/filter"
	"github.com/cuecast/cuecast/edge/model"
)

func filterHub(t testing.TB, mod ...func(*config.Hub)) *Hub {
	cfg := config.Default().Hub
	for _, m := range mod {
		m(&cfg)
	}
	return New(cfg, nil)
}

func compile(t testing.TB, h *Hub, s Stream, js string) *filter.Filter {
	t.Helper()
	var sp filter.Spec
	if err := json.Unmarshal([]byte(js), &sp); err != nil {
		t.Fatal(err)
	}
	f, err := h.CompileFilter(s, sp)
	if err != nil {
		t.Fatalf("CompileFilter(%s, %s) = %v", s, js, err)
	}
	return f
}

// poll takes what is due now: publications are queued synchronously by
// Publish, so there is nothing to wait for.
func poll(t testing.TB, c *Client) []*Publication {
	t.Helper()
	got, _, err := c.Poll(nil)
	if err != nil {
		t.Fatalf("Poll: %v", err)
	}
	return got
}

func dataOf(t testing.TB, p *Publication) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(p.Data, &m); err != nil {
		t.Fatalf("data %s: %v", p.Data, err)
	}
	var env struct{ Data map[string]any }
	if err := json.Unmarshal(p.JSON(), &env); err != nil {
		t.Fatalf("envelope %s: %v", p.JSON(), err)
	}
	if fmt.Sprint(env.Data) != fmt.Sprint(m) {
		t.Fatalf("envelope data %v differs from Data %v", env.Data, m)
	}
	return m
}

func TestFilterWhereSkipsWithoutQueueRoom(t *testing.T) {
	h := filterHub(t)
	c := h.Connect(ClientOptions{QueueSize: 2})
	f := compile(t, h, StreamEvent, `{"where":{"type":{"in":["ball_pocketed","shot_ended"]}}}`)
	res, err := c.SubscribeWith(SubscribeRequest{Streams: []Stream{StreamEvent}, Filters: map[Stream]*filter.Filter{StreamEvent: f}})
	if err != nil || !res[0].Filtered {
		t.Fatalf("SubscribeWith = %+v, %v", res, err)
	}
	// Ten collisions would overflow a queue of two; filtered out, they
	// never take room.
	for range 10 {
		h.Publish(StreamEvent, model.Event{Type: model.EventBallCollision, Balls: []string{"cue", "1"}})
	}
	last, _ := h.Publish(StreamEvent, model.Event{Type: model.EventBallPocketed, Balls: []string{"1"}, Pocket: "side-top"})
	got := poll(t, c)
	if len(got) != 1 || got[0].Offset != last.Offset {
		t.Fatalf("got %d publications (offsets %v), want only the pocketing at %d", len(got), offsets(got), last.Offset)
	}
	if c.Err() != nil {
		t.Errorf("client ended: %v", c.Err())
	}
	c.RecordDelivery(got[0], len(got[0].JSON()), time.Now()) // as a transport does after writing it
	if pos := c.Info().Positions[StreamEvent]; pos != last.Offset {
		t.Errorf("position = %d, want %d", pos, last.Offset)
	}
	// The position advances over filtered-out publications too.
	skip, _ := h.Publish(StreamEvent, model.Event{Type: model.EventShotStarted})
	if got := poll(t, c); len(got) != 0 {
		t.Errorf("shot_started delivered through a filter for pocketings: %s", got[0].JSON())
	}
	if pos := c.Info().Positions[StreamEvent]; pos != skip.Offset {
		t.Errorf("position after a filtered-out event = %d, want %d", pos, skip.Offset)
	}
}

func TestFilterConflatingSlotKeepsLatestMatch(t *testing.T) {
	h := filterHub(t)
	c := h.Connect(ClientOptions{})
	f := compile(t, h, StreamState, `{"where":{"phase":"shot"}}`)
	if _, err := c.SubscribeWith(SubscribeRequest{Streams: []Stream{StreamState}, Filters: map[Stream]*filter.Filter{StreamState: f}}); err != nil {
		t.Fatal(err)
	}
	shot, _ := h.Publish(StreamState, model.State{Seq: 1, Phase: "shot"})
	h.Publish(StreamState, model.State{Seq: 2, Phase: "idle"})
	got := poll(t, c)
	if len(got) != 1 || got[0].Offset != shot.Offset {
		t.Fatalf("got offsets %v, want [%d]: an idle state replaced the matching one", offsets(got), shot.Offset)
	}
}

func TestFilterProjectionSharedByEqualFilters(t *testing.T) {
	h := filterHub(t)
	a, b, plain := h.Connect(ClientOptions{}), h.Connect(ClientOptions{}), h.Connect(ClientOptions{})
	fa := compile(t, h, StreamState, `{"fields":["balls.id","balls.pos"]}`)
	fb := compile(t, h, StreamState, `{"fields":["balls.pos","balls.id"]}`)
	for c, f := range map[*Client]*filter.Filter{a: fa, b: fb} {
		if _, err := c.SubscribeWith(SubscribeRequest{Streams: []Stream{StreamState}, Filters: map[Stream]*filter.Filter{StreamState: f}}); err != nil {
			t.Fatal(err)
		}
	}
	plain.Subscribe([]Stream{StreamState}, nil, nil)
	if n := len(h.filters.byKey); n != 1 {
		t.Errorf("interned filters = %d, want 1 for two equal specs", n)
	}
	n := 3
	p, _ := h.Publish(StreamState, model.State{Seq: 9, Phase: "idle", Balls: []model.Ball{
		{ID: "cue", Class: "cue", Pos: model.Vec2{X: 0.5, Y: 0.5}, Pixel: model.Pixel{X: 3, Y: 4}},
		{ID: "3", Class: "solid", Number: &n, Pos: model.Vec2{X: 1, Y: 0.25}},
	}})
	ga, gb, gp := poll(t, a), poll(t, b), poll(t, plain)
	if len(ga) != 1 || len(gb) != 1 || len(gp) != 1 {
		t.Fatalf("got %d, %d, %d publications, want 1 each", len(ga), len(gb), len(gp))
	}
	if ga[0] != gb[0] {
		t.Errorf("equal filters got different views: projected twice")
	}
	if gp[0] != p {
		t.Errorf("an unfiltered client got a view, not the publication")
	}
	v := ga[0]
	if v.Offset != p.Offset || v.Epoch != p.Epoch || !v.Time.Equal(p.Time) || v.Stream != p.Stream {
		t.Errorf("view %s/%s/%d differs from publication %s/%s/%d", v.Stream, v.Epoch, v.Offset, p.Stream, p.Epoch, p.Offset)
	}
	want := `{"balls":[{"id":"cue","pos":{"x":0.5,"y":0.5}},{"id":"3","pos":{"x":1,"y":0.25}}]}`
	if string(v.Data) != want {
		t.Errorf("view data = %s, want %s", v.Data, want)
	}
	dataOf(t, v)
	// A later poll of another client with the filter returns the same view.
	h.Publish(StreamState, model.State{Seq: 10})
	if x, y := poll(t, a), poll(t, b); x[0] != y[0] {
		t.Errorf("second publication: views differ")
	}
}

func TestFilterReplayIsFiltered(t *testing.T) {
	h := filterHub(t)
	var offs []uint64
	for i := range 6 {
		typ := model.EventBallCollision
		if i%2 == 1 {
			typ = model.EventBallPocketed
		}
		p, _ := h.Publish(StreamEvent, model.Event{Type: typ})
		offs = append(offs, p.Offset)
	}
	c := h.Connect(ClientOptions{})
	f := compile(t, h, StreamEvent, `{"where":{"type":"ball_pocketed"}}`)
	res, err := c.SubscribeWith(SubscribeRequest{
		Streams: []Stream{StreamEvent},
		Resume:  map[Stream]Position{StreamEvent: {Epoch: h.Epoch(), Offset: offs[0]}},
		Filters: map[Stream]*filter.Filter{StreamEvent: f},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res[0].Recovered || res[0].Replayed != 3 {
		t.Errorf("result = %+v, want recovered with 3 replayed (the pocketings after %d)", res[0], offs[0])
	}
	if got := offsets(poll(t, c)); fmt.Sprint(got) != fmt.Sprint([]uint64{offs[1], offs[3], offs[5]}) {
		t.Errorf("replayed offsets %v, want %v", got, []uint64{offs[1], offs[3], offs[5]})
	}
}

func TestFilterAlertsByLevel(t *testing.T) {
	h := filterHub(t)
	h.RaiseAlert(model.Alert{Level: model.AlertInfo, Code: "note", Message: "fyi", Source: "test"})
	warn, _ := h.RaiseAlert(model.Alert{Level: model.AlertWarning, Code: "camera_lost", Message: "camera", Source: "test"})
	c := h.Connect(ClientOptions{})
	f := compile(t, h, StreamAlert, `{"where":{"level":{"ge":"warning"}},"fields":["id","level","code"]}`)
	res, err := c.SubscribeWith(SubscribeRequest{Streams: []Stream{StreamAlert}, Filters: map[Stream]*filter.Filter{StreamAlert: f}})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Replayed != 1 {
		t.Errorf("replayed %d unacked alerts, want 1 (the warning)", res[0].Replayed)
	}
	got := poll(t, c)
	if len(got) != 1 || got[0].Offset != warn.Offset {
		t.Fatalf("got %v, want the warning at %d", offsets(got), warn.Offset)
	}
	d := dataOf(t, got[0])
	if len(d) != 3 || d["level"] != "warning" || d["code"] != "camera_lost" {
		t.Errorf("projected alert = %v", d)
	}
	if got[0].AlertID() != warn.AlertID() {
		t.Errorf("view lost the alert id: %q, want %q", got[0].AlertID(), warn.AlertID())
	}
	h.RaiseAlert(model.Alert{Level: model.AlertCritical, Code: "disk", Message: "full", Source: "test"})
	h.RaiseAlert(model.Alert{Level: model.AlertInfo, Code: "note", Message: "again", Source: "test"})
	if got := poll(t, c); len(got) != 1 || dataOf(t, got[0])["level"] != "critical" {
		t.Errorf("live alerts through level >= warning: %d", len(got))
	}
}

func TestFilterReplaceAndClear(t *testing.T) {
	h := filterHub(t)
	c := h.Connect(ClientOptions{})
	f1 := compile(t, h, StreamEvent, `{"where":{"type":"ball_pocketed"}}`)
	f2 := compile(t, h, StreamEvent, `{"where":{"type":"shot_ended"}}`)
	sub := func(f *filter.Filter) {
		t.Helper()
		if _, err := c.SubscribeWith(SubscribeRequest{Streams: []Stream{StreamEvent}, Filters: map[Stream]*filter.Filter{StreamEvent: f}}); err != nil {
			t.Fatal(err)
		}
	}
	sub(f1)
	sub(f2)
	if n := len(h.filters.byKey); n != 1 {
		t.Errorf("interned = %d after a replace, want 1 (the old one released)", n)
	}
	h.Publish(StreamEvent, model.Event{Type: model.EventBallPocketed})
	ended, _ := h.Publish(StreamEvent, model.Event{Type: model.EventShotEnded})
	if got := offsets(poll(t, c)); len(got) != 1 || got[0] != ended.Offset {
		t.Errorf("after replace got %v, want [%d]", got, ended.Offset)
	}
	// Re-subscribing without a filter for the stream keeps it.
	c.Subscribe([]Stream{StreamEvent}, nil, nil)
	h.Publish(StreamEvent, model.Event{Type: model.EventBallPocketed})
	if got := poll(t, c); len(got) != 0 {
		t.Errorf("a plain re-subscribe dropped the filter")
	}
	sub(nil) // listed with no filter: cleared
	h.Publish(StreamEvent, model.Event{Type: model.EventBallPocketed})
	if got := poll(t, c); len(got) != 1 {
		t.Errorf("after clearing got %d, want 1", len(got))
	}
	if n := len(h.filters.byKey); n != 0 {
		t.Errorf("interned = %d after clearing, want 0", n)
	}
	sub(f1)
	c.Close()
	if n := len(h.filters.byKey); n != 0 {
		t.Errorf("interned = %d after the client closed, want 0", n)
	}
}

func TestFilterSubscribeInvalidChangesNothing(t *testing.T) {
	h := filterHub(t)
	c := h.Connect(ClientOptions{})
	f := compile(t, h, StreamEvent, `{"where":{"type":"ball_pocketed"}}`)
	bad := "1080"
	for name, r := range map[string]SubscribeRequest{
		"filter for an unknown stream": {Streams: []Stream{StreamState}, Filters: map[Stream]*filter.Filter{"balls": f}},
		"bad quality":                  {Streams: []Stream{StreamFrame}, FrameQuality: &bad},
		"bad stream beside a filter":   {Streams: []Stream{"balls"}, Filters: map[Stream]*filter.Filter{StreamEvent: f}},
	} {
		if _, err := c.SubscribeWith(r); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if info := c.Info(); len(info.Streams) != 0 || len(h.filters.byKey) != 0 || h.FrameLevels() != [NumLevels]int{} {
		t.Errorf("a refused subscribe changed something: %+v, %d filters, levels %v", info, len(h.filters.byKey), h.FrameLevels())
	}
	if _, err := h.CompileFilter(StreamGame, filter.Spec{Fields: []string{"x"}}); err == nil || !strings.Contains(err.Error(), "game stream has no fields") {
		t.Errorf("filter on a stream without schema: %v", err)
	}
}

func TestFrameLevels(t *testing.T) {
	h := filterHub(t)
	full, small, auto := h.Connect(ClientOptions{}), h.Connect(ClientOptions{}), h.Connect(ClientOptions{})
	q := func(s string) *string { return &s }
	full.Subscribe([]Stream{StreamFrame}, nil, nil)
	if res, err := small.SubscribeWith(SubscribeRequest{Streams: []Stream{StreamFrame}, FrameQuality: q("640")}); err != nil || res[0].Quality != "640" {
		t.Fatalf("subscribe 640 = %+v, %v", res, err)
	}
	auto.SubscribeWith(SubscribeRequest{Streams: []Stream{StreamFrame}, FrameQuality: q("auto")})
	if got := h.FrameLevels(); got != [NumLevels]int{2, 0, 1} {
		t.Errorf("FrameLevels = %v, want [2 0 1]", got)
	}
	auto.SetFrameLevel(Level960)
	small.SetFrameLevel(LevelFull) // not auto: ignored
	if got := h.FrameLevels(); got != [NumLevels]int{1, 1, 1} {
		t.Errorf("FrameLevels after auto stepped down = %v, want [1 1 1]", got)
	}
	jFull, j640 := []byte("full-jpeg"), []byte("640-jpeg")
	p, err := h.PublishFrame([NumLevels][]byte{LevelFull: jFull, Level640: j640})
	if err != nil {
		t.Fatal(err)
	}
	gf, gs, ga := poll(t, full), poll(t, small), poll(t, auto)
	if string(gf[0].Binary) != "full-jpeg" || gf[0] != p {
		t.Errorf("full client got %q", gf[0].Binary)
	}
	if string(gs[0].Binary) != "640-jpeg" || gs[0].Offset != p.Offset {
		t.Errorf("640 client got %q at %d", gs[0].Binary, gs[0].Offset)
	}
	// 960 was not encoded: the nearest better level is full.
	if string(ga[0].Binary) != "full-jpeg" {
		t.Errorf("960 client got %q, want the full frame", ga[0].Binary)
	}
	if d := dataOf(t, gs[0]); d["quality"] != "640" || d["bytes"] != float64(len(j640)) {
		t.Errorf("640 frame data = %v", d)
	}
	// The 640 view is shared.
	other := h.Connect(ClientOptions{})
	other.SubscribeWith(SubscribeRequest{Streams: []Stream{StreamFrame}, FrameQuality: q("640")})
	if got := poll(t, other); len(got) != 1 || got[0] != gs[0] {
		t.Errorf("a second 640 client got another view of the latest frame")
	}
	small.Unsubscribe(StreamFrame)
	other.Close()
	auto.Close()
	if got := h.FrameLevels(); got != [NumLevels]int{1, 0, 0} {
		t.Errorf("FrameLevels after leaving = %v, want [1 0 0]", got)
	}
	if _, err := h.PublishFrame([NumLevels][]byte{}); err == nil {
		t.Errorf("PublishFrame of no level: no error")
	}
	// Only 640 encoded (nobody watches full): everyone gets it.
	p, _ = h.PublishFrame([NumLevels][]byte{Level640: j640})
	if got := poll(t, full); len(got) != 1 || string(got[0].Binary) != "640-jpeg" || dataOf(t, got[0])["quality"] != "640" {
		t.Errorf("full client with only 640 encoded got %q", got[0].Binary)
	}
}

// TestFilterConcurrent runs publishers, filtered pollers and re-subscribers
// together (meaningful under -race, which make test-go uses for the hub).
func TestFilterConcurrent(t *testing.T) {
	h := filterHub(t)
	specs := []string{`{"where":{"type":"ball_pocketed"}}`, `{"fields":["type"]}`, `{"exclude":["time"],"where":{"type":{"ne":"ball_collision"}}}`}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := range 8 {
		c := h.Connect(ClientOptions{QueueSize: 10000})
		f := compile(t, h, StreamEvent, specs[i%len(specs)])
		c.SubscribeWith(SubscribeRequest{Streams: []Stream{StreamEvent, StreamState}, Filters: map[Stream]*filter.Filter{StreamEvent: f}})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, _, err := c.Poll(nil); err != nil {
					t.Errorf("Poll: %v", err)
					return
				}
				if n%50 == 0 {
					g := compile(t, h, StreamEvent, specs[n%len(specs)])
					c.SubscribeWith(SubscribeRequest{Streams: []Stream{StreamEvent}, Filters: map[Stream]*filter.Filter{StreamEvent: g}})
					c.Info()
				}
			}
		}()
	}
	types := []string{model.EventBallCollision, model.EventBallPocketed, model.EventShotEnded}
	for i := range 2000 {
		h.Publish(StreamEvent, model.Event{Type: types[i%3]})
		h.Publish(StreamState, model.State{Seq: uint64(i)})
	}
	close(stop)
	wg.Wait()
}

// TestFilterFanoutAllocs: a filter shared by many clients costs the
// publisher the same allocations as for a few (one verdict per publication,
// not one per client).
func TestFilterFanoutAllocs(t *testing.T) {
	allocs := func(n int) float64 {
		h := filterHub(t)
		f := compile(t, h, StreamEvent, `{"where":{"type":"ball_pocketed"}}`)
		for range n {
			c := h.Connect(ClientOptions{QueueSize: 1 << 20})
			c.SubscribeWith(SubscribeRequest{Streams: []Stream{StreamEvent}, Filters: map[Stream]*filter.Filter{StreamEvent: f}})
		}
		data := json.RawMessage(`{"type":"ball_collision","balls":["cue","1"]}`)
		return testing.AllocsPerRun(200, func() { h.Publish(StreamEvent, data) })
	}
	few, many := allocs(4), allocs(400)
	if many > few {
		t.Errorf("publishing to 400 filtered clients allocates %.0f per publication, to 4: %.0f; want no per-client allocation", many, few)
	}
}

// TestFilterBeforeSubscribe: a filter may be set for a stream the request
// does not subscribe (the protocol's example sets alert and frame filters
// beside streams event and state); it applies when the stream is
// subscribed later, and survives an unsubscribe.
func TestFilterBeforeSubscribe(t *testing.T) {
	h := filterHub(t)
	c := h.Connect(ClientOptions{})
	f := compile(t, h, StreamAlert, `{"where":{"level":{"ge":"error"}}}`)
	q := "640"
	if _, err := c.SubscribeWith(SubscribeRequest{Streams: []Stream{StreamState},
		Filters: map[Stream]*filter.Filter{StreamAlert: f}, FrameQuality: &q}); err != nil {
		t.Fatal(err)
	}
	if got := h.FrameLevels(); got != [NumLevels]int{} {
		t.Errorf("a quality without the frame stream counted a watcher: %v", got)
	}
	h.RaiseAlert(model.Alert{Level: model.AlertWarning, Code: "w", Message: "w", Source: "t"})
	if got := poll(t, c); len(got) != 0 {
		t.Fatalf("alert delivered before subscribing to alert")
	}
	res, err := c.Subscribe([]Stream{StreamAlert, StreamFrame}, nil, nil)
	if err != nil || !res[0].Filtered || res[1].Quality != "640" {
		t.Fatalf("later subscribe = %+v, %v; want the alert filter and quality 640 in force", res, err)
	}
	if got := h.FrameLevels(); got != [NumLevels]int{0, 0, 1} {
		t.Errorf("FrameLevels = %v, want [0 0 1]", got)
	}
	if got := poll(t, c); len(got) != 0 {
		t.Errorf("the unacked warning was replayed through a filter for >= error")
	}
	c.Unsubscribe(StreamAlert)
	c.Subscribe([]Stream{StreamAlert}, nil, nil)
	crit, _ := h.RaiseAlert(model.Alert{Level: model.AlertCritical, Code: "c", Message: "c", Source: "t"})
	h.RaiseAlert(model.Alert{Level: model.AlertWarning, Code: "w2", Message: "w", Source: "t"})
	if got := poll(t, c); len(got) != 1 || got[0].Offset != crit.Offset {
		t.Errorf("after unsubscribe and subscribe: offsets %v, want [%d] (filter kept)", offsets(got), crit.Offset)
	}
}

// TestFilterReleasedOnce: a client cut as a slow consumer and then closed
// by its owner releases its filters once (another client's filter stays).
func TestFilterReleasedOnce(t *testing.T) {
	h := filterHub(t)
	spec := `{"where":{"type":{"ne":"shot_started"}}}`
	slow, other := h.Connect(ClientOptions{QueueSize: 1}), h.Connect(ClientOptions{QueueSize: 100})
	for _, c := range []*Client{slow, other} {
		c.SubscribeWith(SubscribeRequest{Streams: []Stream{StreamEvent}, Filters: map[Stream]*filter.Filter{StreamEvent: compile(t, h, StreamEvent, spec)}})
	}
	for range 3 {
		h.Publish(StreamEvent, model.Event{Type: model.EventBallPocketed})
	}
	if slow.Err() == nil {
		t.Fatal("the slow client was not cut")
	}
	slow.Close()
	if n := len(h.filters.byKey); n != 1 {
		t.Fatalf("interned filters = %d, want 1 (the other client's)", n)
	}
	if sf := h.filters.byKey[compile(t, h, StreamEvent, spec).Key()]; sf == nil || sf.refs != 1 {
		t.Errorf("the remaining filter's refs = %+v, want 1", sf)
	}
}
