package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cuecast/cuecast/edge/labels"
	"github.com/cuecast/cuecast/edge/model"
)

// `cuecast label`'s server on a simulated image: the page is served, the
// detector proposes, a save needs the printed token and writes the file.
func TestLabelCommandServer(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "shots", "table.png")
	writeSimImage(t, img, 3)
	out := filepath.Join(dir, "labels.json")
	h, rel, token, err := labelHandler(img, dir, out, "", labels.BallSetUS, model.Standard(model.Table9ft))
	if err != nil {
		t.Fatal(err)
	}
	if rel != filepath.Join("shots", "table.png") || len(token) != 32 {
		t.Fatalf("rel %q token %q", rel, token)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	get := func(path string) (int, []byte) {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	if code, body := get("/label"); code != 200 || !strings.Contains(string(body), "label.js") {
		t.Fatalf("GET /label = %d", code)
	}
	code, body := get("/api/v1/label/frame")
	var reply struct{ Frame labels.Frame }
	if code != 200 || json.Unmarshal(body, &reply) != nil || len(reply.Frame.Balls) < 10 {
		t.Fatalf("GET frame = %d %.200s, want the detector's balls", code, body)
	}
	put := func(tok string) int {
		b, _ := json.Marshal(reply.Frame)
		req, _ := http.NewRequest("PUT", srv.URL+"/api/v1/label/frame", strings.NewReader(string(b)))
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if c := put("guess"); c != http.StatusUnauthorized {
		t.Errorf("save with a wrong token = %d, want 401", c)
	}
	if c := put(token); c != 200 {
		t.Fatalf("save = %d", c)
	}
	set, err := labels.Load(out)
	if err != nil || set.Source != "shots" || len(set.Frames) != 1 || set.Frames[0].Image != "shots/table.png" {
		t.Fatalf("label file %+v, %v", set, err)
	}
	if err := set.Verify(dir); err != nil {
		t.Error(err)
	}
	if _, _, _, err := labelHandler(img, filepath.Join(dir, "shots", "x"), out, "", labels.BallSetUS, model.Standard(model.Table9ft)); err == nil {
		t.Error("an image outside --data was accepted")
	}
}
