package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"image"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"
	"strings"
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

// simTable renders a still simulated table into dir/table.png.
func simTable(t *testing.T, dir string) (string, model.Frame) {
	t.Helper()
	s := sim.New(sim.Options{Width: 1280, Height: 720, FPS: 30, Scenario: "still", Seed: 5, NoiseSigma: 2, Unpaced: true})
	var f model.Frame
	s.Render(&f, time.Unix(0, 0))
	s.Close()
	img := filepath.Join(dir, "table.png")
	if err := vision.WriteAnnotated(img, &f, &model.Detection{}); err != nil {
		t.Fatal(err)
	}
	return img, f
}

func TestDetectCommand(t *testing.T) {
	dir := t.TempDir()
	img, f := simTable(t, dir)
	bad := filepath.Join(dir, "bad.png")
	os.WriteFile(bad, []byte("not an image"), 0o644)
	out := filepath.Join(dir, "debug")

	var code int
	stdout := captureStdout(t, func() {
		code = runDetect([]string{"--json", "--debug-out", out, bad, img})
	})
	if code != 2 {
		t.Errorf("exit = %d, want 2 (one file is not an image)", code)
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

// Field probe: a JPEG whose header claimed 65500x65500 made OpenCV abort
// the process (SIGABRT), losing the other images' results. It is reported
// as unreadable, with the limit, and the images after it are still
// detected; exit 2 (bad input).
func TestDetectHugeImageReportedOthersStillDetected(t *testing.T) {
	dir := t.TempDir()
	good, _ := simTable(t, dir)
	// A real 8x8 JPEG whose frame header then claims 65500x65500.
	var jb bytes.Buffer
	jpeg.Encode(&jb, image.NewGray(image.Rect(0, 0, 8, 8)), nil)
	b := jb.Bytes()
	i := bytes.Index(b, []byte{0xFF, 0xC0})
	binary.BigEndian.PutUint16(b[i+5:], 65500)
	binary.BigEndian.PutUint16(b[i+7:], 65500)
	huge := filepath.Join(dir, "huge.jpg")
	os.WriteFile(huge, b, 0o644)

	var code int
	stdout := captureStdout(t, func() { code = runDetect([]string{"--json", huge, good, filepath.Join(dir, "missing.jpg")}) })
	if code != 2 {
		t.Errorf("exit = %d, want 2 (unreadable files)", code)
	}
	var res []detectResult
	if err := json.Unmarshal(stdout, &res); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout)
	}
	if len(res) != 3 {
		t.Fatalf("%d results, want 3", len(res))
	}
	if !strings.Contains(res[0].Error, "65500x65500") || !strings.Contains(res[0].Error, "the limit is 40 megapixels") {
		t.Errorf("huge image: error %q, want its size and the limit", res[0].Error)
	}
	if res[1].Error != "" || res[1].Table == nil || len(res[1].Balls) == 0 {
		t.Errorf("the good image after it: %+v, want a table and balls", res[1])
	}
	if !strings.Contains(res[2].Error, "no such file") {
		t.Errorf("missing file: error %q", res[2].Error)
	}
}
