package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
	"github.com/cuecast/cuecast/edge/vision"
)

// captureStdout runs fn with os.Stdout sent to a pipe and returns what it
// printed.
func captureStdout(t *testing.T, fn func()) []byte {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	done := make(chan []byte)
	go func() { b, _ := io.ReadAll(r); done <- b }()
	fn()
	os.Stdout = old
	w.Close()
	return <-done
}

func TestDetectCommand(t *testing.T) {
	dir := t.TempDir()
	s := sim.New(sim.Options{Width: 1280, Height: 720, FPS: 30, Scenario: "still", Seed: 5, NoiseSigma: 2, Unpaced: true})
	var f model.Frame
	s.Render(&f, time.Unix(0, 0))
	s.Close()
	img := filepath.Join(dir, "table.png")
	if err := vision.WriteAnnotated(img, &f, &model.Detection{}); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.png")
	os.WriteFile(bad, []byte("not an image"), 0o644)
	out := filepath.Join(dir, "debug")

	var code int
	stdout := captureStdout(t, func() {
		code = runDetect([]string{"--json", "--debug-out", out, bad, img})
	})
	if code != 1 {
		t.Errorf("exit = %d, want 1 (one image failed)", code)
	}
	var res []detectResult
	if err := json.Unmarshal(stdout, &res); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout)
	}
	if len(res) != 2 || res[0].Error == "" || res[1].Error != "" {
		t.Fatalf("results %+v, want the bad image's error then a result", res)
	}
	r := res[1]
	if r.Table == nil || len(r.Table.Pockets) != 6 {
		t.Fatalf("no table or pockets: %+v", r.Table)
	}
	truth := 0
	for _, b := range f.Truth.Balls {
		if !b.Pocketed {
			truth++
		}
	}
	if len(r.Balls) < truth-2 || len(r.Balls) > truth {
		t.Errorf("%d balls, truth has %d", len(r.Balls), truth)
	}
	for _, b := range r.Balls {
		if b.Table == nil || b.Radius <= 0 || b.Confidence <= 0 || b.Class == "" {
			t.Errorf("incomplete ball %+v", b)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "table.detect.png")); err != nil {
		t.Errorf("no debug image: %v", err)
	}
	if code := runDetect(nil); code != 2 {
		t.Errorf("no images: exit %d, want 2", code)
	}
	if code := runDetect([]string{"--table", "6ft", img}); code != 2 {
		t.Errorf("bad --table: exit %d, want 2", code)
	}
}
