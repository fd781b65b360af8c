package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/api"
	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/history"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/store"
)

// cfgManager is the read-only config the API needs for its token.
type cfgManager struct{ c config.Config }

func (m cfgManager) Current() config.Config                  { return m.c }
func (cfgManager) Apply(context.Context, []byte, bool) error { return nil }
func (cfgManager) Reset(context.Context) error               { return nil }

// TestHistoryAndExportCommands runs `cuecast history` and `cuecast export`
// against the real REST API over a real store.
func TestHistoryAndExportCommands(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	st, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "h.db"), Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC()
	for i, who := range []string{"ann", "bob", "ann"} {
		rec := &model.ShotRecord{ID: "s" + string(rune('1'+i)), GameType: "practice", Number: 4, Shooter: who, Started: now.Add(time.Duration(i-5) * time.Minute), Ended: now.Add(time.Duration(i-4) * time.Minute),
			Summary: model.ShotSummary{FirstContact: "5", Pocketed: map[string]string{"5": model.PocketTopLeft}}}
		sh := &history.Shot{ID: rec.ID, GameType: rec.GameType, Number: 4, Shooter: who, Started: rec.Started, Ended: rec.Ended, Source: history.SourceShot, Record: rec, Features: history.Derive(rec, model.Standard(model.Table9ft))}
		done := make(chan error, 1)
		st.AddShot(sh, false, func(err error) { done <- err })
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	c := config.Default()
	c.HTTP.Token = "tok"
	a := api.New(api.Deps{Config: cfgManager{c}, History: st}, quiet)
	mux := http.NewServeMux()
	a.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")

	var code int
	out := captureStdout(t, func() { code = runHistory([]string{"--addr", addr, "--player", "ann"}) })
	if code != 0 || !strings.Contains(string(out), "2 of 2 shots") || !strings.Contains(string(out), "5 made") {
		t.Errorf("history: exit %d\n%s", code, out)
	}
	out = captureStdout(t, func() { code = runHistory([]string{"--addr", addr, "--stats", "--range", "1h"}) })
	if code != 0 || !strings.Contains(string(out), "pocketing   100% (3 of 3)") {
		t.Errorf("history --stats: exit %d\n%s", code, out)
	}
	if code = runHistory([]string{"--addr", addr, "--range", "2d"}); code != 1 {
		t.Errorf("history --range 2d: exit %d, want 1", code)
	}
	t.Setenv("CUECAST_TOKEN", "tok")
	file := filepath.Join(t.TempDir(), "ann.csv")
	if code = runExport([]string{"--addr", addr, "--player", "ann", "-o", file}); code != 0 {
		t.Fatalf("export: exit %d", code)
	}
	b, _ := os.ReadFile(file)
	rows, err := history.ReadCSV(bytes.NewReader(b))
	if err != nil || len(rows) != 2 {
		t.Fatalf("exported CSV: %d rows, %v\n%s", len(rows), err, b)
	}
	if code = runExport([]string{"--addr", addr, "--token", "wrong", "-o", filepath.Join(t.TempDir(), "x.csv")}); code != 1 {
		t.Errorf("export with a wrong token: exit %d, want 1", code)
	}
}
