package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDefaultsValidate(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v, want nil", err)
	}
}

func TestEmptyFileIsDefaults(t *testing.T) {
	c, err := Parse("empty.toml", nil)
	if err != nil {
		t.Fatalf("Parse(empty) = %v", err)
	}
	if c.HTTP.Listen != ":8080" || c.Source.Kind != "sim" || c.MQTT.URL != "tcp://127.0.0.1:1883" {
		t.Fatalf("Parse(empty) did not give defaults: %+v", c)
	}
}

func TestParseOverridesDefaults(t *testing.T) {
	doc := `
[box]
site = "club-7"
table = "t3"

[hub]
history_age = "90s"

[websocket]
messages_per_client_per_minute = 250
`
	c, err := Parse("ok.toml", []byte(doc))
	if err != nil {
		t.Fatalf("Parse = %v", err)
	}
	if c.Box.Site != "club-7" || c.Box.Table != "t3" {
		t.Errorf("box = %+v, want club-7/t3", c.Box)
	}
	if c.Hub.HistoryAge.D() != 90*time.Second {
		t.Errorf("hub.history_age = %v, want 90s", c.Hub.HistoryAge.D())
	}
	if c.WebSocket.MessagesPerMinute != 250 || c.WebSocket.ConnectionsPerMinute != 10 {
		t.Errorf("websocket rates = %d/%d, want 250/10 (unset keys keep defaults)", c.WebSocket.MessagesPerMinute, c.WebSocket.ConnectionsPerMinute)
	}
}

// Every error class names file, line and key, and the message says what is wrong.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string // substrings of the error, all required
	}{
		{"unknown key", "[http]\nlisten = \":80\"\nlistne = 1\n", []string{"bad.toml:3:", "http.listne", "unknown key"}},
		{"unknown section", "\n[htpp]\nlisten = \":80\"\n", []string{"bad.toml:2:", "htpp", "unknown key"}},
		{"wrong type", "[source]\nfps = \"fast\"\n", []string{"bad.toml:2:", "source.fps", "string"}},
		{"wrong type int", "[websocket]\nqueue_size = 1.5\n", []string{"bad.toml:2:", "websocket.queue_size"}},
		{"out of range", "[source]\n\nfps = 1000.0\n", []string{"bad.toml:3:", "source.fps", "out of range"}},
		{"out of range int", "[websocket]\nqueue_size = 0\n", []string{"bad.toml:2:", "websocket.queue_size", "out of range [4, 100000]"}},
		{"bad enum", "[log]\nlevel = \"loud\"\n", []string{"bad.toml:2:", "log.level", "not one of"}},
		{"bad rules edition", "[game]\nrules = \"2019\"\n", []string{"bad.toml:2:", "game.rules", "not one of 2016, 2025"}},
		{"bad duration", "[hub]\nhistory_age = \"soon\"\n", []string{"bad.toml:2:", "hub.history_age", "not a duration"}},
		{"negative duration", "[hub]\nhistory_age = \"-1s\"\n", []string{"bad.toml:2:", "hub.history_age", "must be positive"}},
		{"bad url", "[mqtt]\nurl = \"http://broker\"\n", []string{"bad.toml:2:", "mqtt.url", "scheme"}},
		{"bad listen", "[http]\nlisten = \"8080\"\n", []string{"bad.toml:2:", "http.listen", "host:port"}},
		{"bad identity", "[box]\nsite = \"a/b\"\n", []string{"bad.toml:2:", "box.site", "MQTT topic level"}},
		{"syntax", "[box\nsite = 1\n", []string{"bad.toml:1"}},
		{"bare number duration", "[websocket]\nping_interval = 15\n", []string{"bad.toml:2:", "websocket.ping_interval", "not a duration"}},
		{"unknown key and range", "[source]\nfpss = 1\nwidth = 1\n", []string{"bad.toml:2:", "source.fpss", "unknown key", "bad.toml:3:", "source.width", "out of range"}},
		{"dotted key line", "box.site = \"#\"\n", []string{"bad.toml:1:", "box.site"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("bad.toml", []byte(tt.doc))
			if err == nil {
				t.Fatalf("Parse(%q) = nil error, want one containing %q", tt.doc, tt.want)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Parse error %T is not *config.Error: %v", err, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Parse error = %q, want it to contain %q", err, w)
				}
			}
			if c.HTTP.Listen != "" {
				t.Errorf("Parse returned a partly filled config on error: %+v", c.HTTP)
			}
		})
	}
}

func TestAllProblemsReported(t *testing.T) {
	_, err := Parse("two.toml", []byte("[source]\nfps = 0.0\nwidth = 1\n"))
	var ce *Error
	if !errors.As(err, &ce) || len(ce.Problems) != 2 {
		t.Fatalf("Parse = %v, want 2 problems", err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.toml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load(missing) = %v, want an os.ErrNotExist", err)
	}
}

// Field probe: 40k unknown keys took 69 s to refuse (a scan from the start of
// the document per key). The error lists the first ones, by line, and counts
// the rest; BenchmarkParseUnknownKeys records the time (docs/bench/config.md).
func TestParseManyUnknownKeysListsTheFirstAndCounts(t *testing.T) {
	_, err := Parse("big.toml", unknownKeysDoc(40000))
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("Parse(40k unknown keys) = %v, want a *config.Error", err)
	}
	if len(ce.Problems) != maxUnknownKeys+1 {
		t.Fatalf("%d problems, want the first %d and a count", len(ce.Problems), maxUnknownKeys)
	}
	for i, p := range ce.Problems[:maxUnknownKeys] {
		if want := fmt.Sprintf("box.unknown_key_%d", i); p.Key != want || p.Line != i+3 || p.Msg != "unknown key" {
			t.Fatalf("problem %d = %+v, want %s on line %d", i, p, want, i+3)
		}
	}
	if last := ce.Problems[maxUnknownKeys]; !strings.Contains(last.Msg, "and 39950 more unknown keys") {
		t.Errorf("last problem = %+v, want the count of the rest", last)
	}
}

// Keys that are all known (a map section takes any name) but far more than a
// config holds are refused before go-toml (whose duplicate-key check is
// quadratic) sees them; so are documents of many tables and inline tables.
func TestParseTooManyKeysRefusedBeforeDecoding(t *testing.T) {
	var pockets, tables, inline strings.Builder
	pockets.WriteString("[hw.led.pockets]\n")
	inline.WriteString("[hw.led]\npockets = {")
	for i := range 20000 {
		fmt.Fprintf(&pockets, "p%d = [1, 2]\n", i)
		fmt.Fprintf(&tables, "[hw.led.pockets.p%d]\n", i)
		if i > 0 {
			inline.WriteString(", ")
		}
		fmt.Fprintf(&inline, "p%d = [1, 2]", i)
	}
	inline.WriteString("}\n")
	for name, doc := range map[string]string{"map keys": pockets.String(), "inline table": inline.String()} {
		_, err := Parse("many.toml", []byte(doc))
		if err == nil || !strings.Contains(err.Error(), "keys: a cuecast config has at most 2000") {
			t.Errorf("%s: Parse = %v, want too many keys", name, err)
		}
	}
	// [hw.led.pockets.pN] names a table under a list of LED indexes.
	if _, err := Parse("tables.toml", []byte(tables.String())); err == nil {
		t.Error("Parse(20000 tables) accepted")
	}
}

// Field probe: `cuecast config check /dev/zero` read without end.
func TestLoadDevZeroIsBounded(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	_, err := Load("/dev/zero")
	var ce *Error
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "/dev/zero: larger than 1048576 bytes") {
		t.Fatalf("Load(/dev/zero) = %v, want a size error naming the file", err)
	}
	big := filepath.Join(t.TempDir(), "big.toml")
	if err := os.WriteFile(big, append([]byte("# "), bytes.Repeat([]byte("x"), MaxFileBytes)...), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("Load(1 MiB + 2) = %v, want a size error", err)
	}
	if _, err := Parse("body", make([]byte, MaxFileBytes+1)); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("Parse(1 MiB + 1) = %v, want a size error", err)
	}
}

// Field probe: a config saved by Notepad (UTF-8 with a byte order mark) was
// refused. The BOM is skipped and lines still count from 1.
func TestParseAcceptsUTF8BOM(t *testing.T) {
	c, err := Parse("bom.toml", []byte("\xEF\xBB\xBF[box]\nsite = \"club\"\n"))
	if err != nil || c.Box.Site != "club" {
		t.Fatalf("Parse(BOM) = %+v, %v; want site club", c.Box, err)
	}
	_, err = Parse("bom.toml", []byte("\xEF\xBB\xBF[box]\nsite = \"a/b\"\n"))
	if err == nil || !strings.Contains(err.Error(), "bom.toml:2: box.site") {
		t.Errorf("Parse(BOM, bad site) = %v, want it on line 2", err)
	}
	// Only at the start: a BOM inside the document is not whitespace.
	if _, err := Parse("bom.toml", []byte("[box]\n\xEF\xBB\xBFsite = \"club\"\n")); err == nil {
		t.Error("Parse accepted a BOM in the middle of the document")
	}
}

// Unknown keys are found as go-toml would match fields: case-insensitively
// (so "Site" is known, as the decoder takes it), inside inline tables and
// dotted keys, and a whole unknown table is reported once.
func TestUnknownKeysMatchTheDecoder(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		want []string // unknown keys; nil: accepted
	}{
		{"[box]\nSite = \"club\"\n", nil},
		{"box = {site = \"club\", sight = 1}\n", []string{"box.sight"}},
		{"box.sight = 1\n", []string{"box.sight"}},
		{"[nope]\na = 1\nb = 2\n[nope.deeper]\nc = 3\n", []string{"nope"}},
		{"[mqtt.streams.state]\nqos = 0\nspeed = 1\n", []string{"mqtt.streams.state.speed"}},
		{"[hw.led.pockets]\nanything = [1, 2]\n", nil}, // a map: the validator judges names
	} {
		_, err := Parse("k.toml", []byte(tc.doc))
		var got []string
		var ce *Error
		if errors.As(err, &ce) {
			for _, p := range ce.Problems {
				if p.Msg == "unknown key" {
					got = append(got, p.Key)
				}
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Parse(%q): unknown keys %v, want %v (err %v)", tc.doc, got, tc.want, err)
		}
	}
}
