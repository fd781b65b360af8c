package labelapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/cuecast/cuecast/edge/labels"
	"github.com/cuecast/cuecast/edge/model"
)

// frame draws one white ball of radius 12 at (60.3, 40.6) on green cloth.
func frame() *model.Frame {
	f := &model.Frame{Width: 160, Height: 90, Pix: make([]byte, 160*90*3)}
	for y := 0; y < f.Height; y++ {
		for x := 0; x < f.Width; x++ {
			c := [3]float64{60, 120, 40} // BGR cloth
			var in float64
			for s := 0; s < 16; s++ { // 4x4 supersampling
				px, py := float64(x)+(float64(s%4)+0.5)/4-0.5, float64(y)+(float64(s/4)+0.5)/4-0.5
				if math.Hypot(px-60.3, py-40.6) <= 12 {
					in++
				}
			}
			a := in / 16
			i := 3 * (y*f.Width + x)
			for k := 0; k < 3; k++ {
				f.Pix[i+k] = byte(c[k]*(1-a) + 240*a)
			}
		}
	}
	return f
}

func newService(t *testing.T) (*Service, *httptest.Server, string) {
	dir := t.TempDir()
	f := frame()
	if err := WritePNG(filepath.Join(dir, "a.png"), f); err != nil {
		t.Fatal(err)
	}
	set := filepath.Join(dir, "labels.json")
	s := New(Options{Root: dir, SetPath: set, Source: "unit", Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Capture: func(context.Context) (string, *model.Frame, error) { return "a.png", f, nil },
		Detect: func(_ *model.Frame, det *model.Detection) error {
			det.Balls = []model.BallDetection{{Pixel: model.Pixel{X: 61, Y: 40}, RadiusPx: 11, Class: model.ClassCue}}
			return nil
		},
		Authorize: func(r *http.Request) (int, string) {
			if r.Header.Get("Authorization") != "Bearer tok" {
				return http.StatusUnauthorized, "token"
			}
			return 0, ""
		},
	})
	mux := http.NewServeMux()
	s.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return s, srv, set
}

func call(t *testing.T, method, url, body string, auth bool) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if auth {
		req.Header.Set("Authorization", "Bearer tok")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestServiceProposesSnapsAndSaves(t *testing.T) {
	_, srv, set := newService(t)
	code, body := call(t, "GET", srv.URL+"/api/v1/label/frame", "", false)
	if code != 200 || !strings.Contains(body, `"proposed":true`) || !strings.Contains(body, `"class":"cue"`) {
		t.Fatalf("GET frame = %d %s, want the detector's proposal", code, body)
	}
	if code, _ := call(t, "GET", srv.URL+"/api/v1/label/image", "", false); code != 200 {
		t.Errorf("GET image = %d", code)
	}
	code, body = call(t, "POST", srv.URL+"/api/v1/label/snap", `{"x":57,"y":43,"r":10}`, false)
	if code != 200 || !strings.Contains(body, `"x":60.3`) {
		t.Errorf("snap = %d %s, want the ball at x 60.3", code, body)
	}
	good := `{"image":"a.png","sha256":"SUM","width":160,"height":90,"table":null,"balls":[{"x":60.3,"y":40.6,"r":12,"class":"cue","number":0}]}`
	sum, _ := labels.FileSHA256(filepath.Join(filepath.Dir(set), "a.png"))
	good = strings.Replace(good, "SUM", sum, 1)
	for _, c := range []struct {
		name, body string
		auth       bool
		want       int
	}{
		{"no token", good, false, 401},
		{"not JSON", "{", true, 400},
		{"unknown field", strings.Replace(good, `"table"`, `"colour":1,"table"`, 1), true, 400},
		{"another image", strings.Replace(good, "a.png", "b.png", 1), true, 409},
		{"invalid ball", strings.Replace(good, `"number":0`, `"number":3`, 1), true, 422},
	} {
		if code, body := call(t, "PUT", srv.URL+"/api/v1/label/frame", c.body, c.auth); code != c.want {
			t.Errorf("%s: PUT = %d %s, want %d", c.name, code, body, c.want)
		}
		if _, err := os.Stat(set); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s: a refused save wrote the label file", c.name)
		}
	}
	if code, body := call(t, "PUT", srv.URL+"/api/v1/label/frame", good, true); code != 200 {
		t.Fatalf("PUT = %d %s", code, body)
	}
	s, err := labels.Load(set)
	if err != nil || len(s.Frames) != 1 || s.Source != "unit" || s.Frames[0].Balls[0].X != 60.3 {
		t.Fatalf("saved set %+v, %v", s, err)
	}
	// A second save of the same image replaces its frame.
	if code, _ := call(t, "PUT", srv.URL+"/api/v1/label/frame", strings.Replace(good, `"x":60.3`, `"x":60.4`, 1), true); code != 200 {
		t.Fatal("second save refused")
	}
	if s, _ := labels.Load(set); len(s.Frames) != 1 || s.Frames[0].Balls[0].X != 60.4 {
		t.Errorf("second save: %+v, want the frame replaced", s.Frames)
	}
	// A new capture of the same picture shows the saved labels.
	if code, body := call(t, "POST", srv.URL+"/api/v1/label/capture", "", true); code != 200 || !strings.Contains(body, `"proposed":false`) {
		t.Errorf("capture = %d %s, want the saved labels", code, body)
	}
	if code, _ := call(t, "POST", srv.URL+"/api/v1/label/capture", "", false); code != 401 {
		t.Errorf("capture without the token = %d, want 401", code)
	}
}

func TestGrabberHandsOneFrame(t *testing.T) {
	g := NewGrabber()
	f := &model.Frame{Seq: 1, Width: 1, Height: 1, Pix: []byte{1, 2, 3}}
	g.Offer(f) // nobody waiting: ignored
	if g.Wanted() {
		t.Fatal("wanted with no grab")
	}
	done := make(chan *model.Frame)
	go func() {
		got, err := g.Grab(context.Background())
		if err != nil {
			t.Error(err)
		}
		done <- got
	}()
	for seq := uint64(2); ; seq++ { // the loop: offer until the grab took one
		f.Seq = seq
		g.Offer(f)
		runtime.Gosched()
		select {
		case got := <-done:
			f.Pix[0] = 9 // the loop reuses its buffer
			if got.Pix[0] != 1 || got.Seq < 2 {
				t.Errorf("grabbed %+v, want a copy of a frame offered after the grab", got)
			}
			return
		default:
		}
	}
}

func TestGrabGivesUp(t *testing.T) {
	g := NewGrabber()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := g.Grab(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Grab(cancelled) = %v", err)
	}
	if g.Wanted() {
		t.Error("a grab that gave up is still wanted")
	}
}
