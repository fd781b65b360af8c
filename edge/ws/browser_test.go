package ws

import (
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/display/browsertest"
	"github.com/cuecast/cuecast/edge/hub"
)

// clientPage is a minimal browser client written from docs/protocol.md
// (the binary decoding is the document's snippet).
const clientPage = `<!doctype html><meta charset="utf-8"><script>
window.t = {msgs: 0, errors: []};
const ws = new WebSocket("ws://" + location.host + "/ws?group=display");
ws.binaryType = "arraybuffer";
ws.onmessage = (m) => {
  t.msgs++;
  if (typeof m.data !== "string") {
    const dv = new DataView(m.data);
    if (dv.getUint8(0) !== 1) return;
    const h = dv.getUint16(2);
    const e = dv.getUint8(20);
    t.frame = {stream: dv.getUint8(1), offset: Number(dv.getBigUint64(4)),
      timeMs: Number(dv.getBigInt64(12)) / 1000,
      epoch: new TextDecoder().decode(new Uint8Array(m.data, 21, e)),
      len: m.data.byteLength - h, first: new Uint8Array(m.data, h)[0]};
    return;
  }
  const msg = JSON.parse(m.data);
  switch (msg.type) {
  case "connection":
    t.hello = msg.data;
    ws.send(JSON.stringify({type: "subscribe", id: 1, data: {streams: ["state", "frame", "event"]}}));
    break;
  case "subscribed": t.subscribed = msg.data; break;
  case "publication":
    if (msg.stream === "state") t.state = msg.data;
    if (msg.stream === "event") t.event = msg.data;
    break;
  case "pong": t.pong = msg.data.echo; break;
  case "error": t.errors.push(msg.data.code); break;
  }
};
window.bigPing = () => ws.send(JSON.stringify({type: "ping", data: {pad: "p".repeat(4000)}}));
</script>`

// TestBrowserClient runs the protocol in headless Chromium with
// permessage-deflate on: compressed text both ways, binary frames with the
// documented header, group from the URL.
func TestBrowserClient(t *testing.T) {
	env := newEnv(t, 0, func(w *config.WebSocket, h *config.HTTP, _ *config.Hub) {
		w.Compression, w.CompressionMin = true, 512
	})
	env.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(clientPage)) })
	ctx := browsertest.New(t, 800, 600)
	if err := chromedp.Do(ctx, chromedp.Navigate(env.ts.URL+"/")); err != nil {
		t.Fatal(err)
	}
	poll := func(js string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			t.Fatalf("waiting for %s: %v", js, err)
		}
	}
	poll(`!!(window.t && t.subscribed)`)
	pad := make([]byte, 3000)
	for i := range pad {
		pad[i] = 'a' + byte(i%26)
	}
	env.h.Publish(hub.StreamState, map[string]any{"seq": 7, "pad": string(pad)})
	jpeg := append([]byte{0xff, 0xd8, 0xff}, pad...)
	fp, _ := env.h.PublishBinary(hub.StreamFrame, jpeg)
	env.h.PublishGroup(hub.StreamEvent, "display", map[string]string{"type": "shot_started"})
	env.h.PublishGroup(hub.StreamEvent, "projector", map[string]string{"type": "not_for_display"})
	poll(`!!(t.state && t.frame && t.event)`)
	chromedp.Run(ctx, chromedp.Evaluate[any](`bigPing()`))
	poll(`!!t.pong`)

	type result struct {
		Compression bool
		Group       string
		Seq         int
		PadLen      int
		Frame       struct {
			Stream, Offset, Len, First int
			Epoch                      string
		}
		Event  string
		Pong   int
		Errors []string
	}
	r, err := chromedp.Run(ctx, chromedp.Evaluate[result](`({Compression: t.hello.compression, Group: t.hello.group,
		Seq: t.state.seq, PadLen: t.state.pad.length,
		Frame: {Stream: t.frame.stream, Offset: t.frame.offset, Len: t.frame.len, First: t.frame.first, Epoch: t.frame.epoch},
		Event: t.event.type, Pong: t.pong.pad.length, Errors: t.errors})`))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Compression || r.Group != "display" || r.Seq != 7 || r.PadLen != 3000 || r.Event != "shot_started" || r.Pong != 4000 || len(r.Errors) != 0 {
		t.Errorf("browser saw %+v", r)
	}
	if r.Frame.Stream != 7 || r.Frame.Offset != int(fp.Offset) || r.Frame.Len != len(jpeg) || r.Frame.First != 0xff || r.Frame.Epoch != env.h.Epoch() {
		t.Errorf("browser decoded frame %+v, want offset %d, %d bytes", r.Frame, fp.Offset, len(jpeg))
	}
	if cs := env.s.Connections(); len(cs) != 1 || !cs[0].Compression {
		t.Errorf("server side: %+v", cs)
	}
}
