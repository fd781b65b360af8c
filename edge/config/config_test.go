package config

import (
	"errors"
	"os"
	"path/filepath"
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
