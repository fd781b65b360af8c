package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	toml "github.com/pelletier/go-toml/v2"
)

// DefaultPath is where the daemon looks when --config is not given.
const DefaultPath = "/etc/cuecast/cuecast.toml"

// Config is the whole configuration. Every field has a default (Default).
type Config struct {
	Box       Box       `toml:"box" json:"box"`
	Log       Log       `toml:"log" json:"log"`
	HTTP      HTTP      `toml:"http" json:"http"`
	Source    Source    `toml:"source" json:"source"`
	Vision    Vision    `toml:"vision" json:"vision"`
	Physics   Physics   `toml:"physics" json:"physics"`
	Hub       Hub       `toml:"hub" json:"hub"`
	WebSocket WebSocket `toml:"websocket" json:"websocket"`
	Video     Video     `toml:"video" json:"video"`
	Display   Display   `toml:"display" json:"display"`
	MQTT      MQTT      `toml:"mqtt" json:"mqtt"`
	HW        HW        `toml:"hw" json:"hw"`
	History   History   `toml:"history" json:"history"`
	Game      Game      `toml:"game" json:"game"`
}

// Default returns the embedded defaults: simulated camera, no hardware,
// HTTP on :8080, MQTT to a local broker.
func Default() Config {
	return Config{
		Box:       defaultBox(),
		Log:       defaultLog(),
		HTTP:      defaultHTTP(),
		Source:    defaultSource(),
		Vision:    defaultVision(),
		Physics:   defaultPhysics(),
		Hub:       defaultHub(),
		WebSocket: defaultWebSocket(),
		Video:     defaultVideo(),
		Display:   defaultDisplay(),
		MQTT:      defaultMQTT(),
		HW:        defaultHW(),
		History:   defaultHistory(),
		Game:      defaultGame(),
	}
}

// Validate checks every section and returns all problems found, keyed by
// their dotted key ("mqtt.url"), without file or line.
func (c *Config) Validate() error {
	v := &validator{}
	c.Box.validate(v.section("box"))
	c.Log.validate(v.section("log"))
	c.HTTP.validate(v.section("http"))
	c.Source.validate(v.section("source"))
	c.Vision.validate(v.section("vision"))
	c.Physics.validate(v.section("physics"))
	c.Hub.validate(v.section("hub"))
	c.WebSocket.validate(v.section("websocket"))
	c.Video.validate(v.section("video"))
	c.Display.validate(v.section("display"))
	c.MQTT.validate(v.section("mqtt"))
	c.HW.validate(v.section("hw"))
	c.History.validate(v.section("history"))
	c.Game.validate(v.section("game"))
	if owner, taken := c.reservedStateNames()[c.Hub.AlertStore]; taken {
		v.section("hub").fail("alert_store", "%q is %s's in box.state_dir: name another file", c.Hub.AlertStore, owner)
	}
	return v.err()
}

// Problem is one thing wrong with a config file.
type Problem struct {
	File string // "" when the config did not come from a file
	Line int    // 0 when unknown (a key not in the file, a whole-document error)
	Key  string // dotted key, "" for a syntax error
	Msg  string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
		}
		b.WriteString(": ")
	}
	if p.Key != "" {
		fmt.Fprintf(&b, "%s: ", p.Key)
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Error lists every problem found in one config.
type Error struct{ Problems []Problem }

func (e *Error) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return "config: " + strings.Join(parts, "; ")
}

// MaxFileBytes bounds a config document (file, SIGHUP reload, PUT body).
// The annotated example with every key (docs/cuecast.example.toml) is about
// 22 KiB; a document larger than this is a mistake (a wrong path, /dev/zero)
// or an attack, and is refused before it is parsed.
const MaxFileBytes = 1 << 20

// maxUnknownKeys bounds how many unknown keys one error lists: a document of
// 40k of them gets the first ones by line and a count, not a 2 MB message.
const maxUnknownKeys = 50

// utf8BOM is accepted at the start of a document: Windows editors
// (Notepad) write one, and TOML tooling commonly skips it.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Load reads and validates the file at path. A missing file is an error:
// callers that accept "no file" check os.IsNotExist themselves (the daemon
// runs on Default when the default path is absent).
func Load(path string) (Config, error) {
	data, err := ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	return Parse(path, data)
}

// ReadFile reads a config document, at most MaxFileBytes of it: a larger
// file (or a device such as /dev/zero that never ends) is an *Error naming
// the file, without reading the rest. Open and read errors wrap the os error
// (errors.Is(err, fs.ErrNotExist) works).
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if len(data) > MaxFileBytes {
		return nil, tooLarge(path)
	}
	return data, nil
}

func tooLarge(file string) error {
	return &Error{Problems: []Problem{{File: file, Msg: fmt.Sprintf("larger than %d bytes (1 MiB): not a cuecast config (the example with every key is about 22 KiB); check the path", MaxFileBytes)}}}
}

// Parse decodes data (named file in messages) over the defaults and validates
// the result. On any error it returns the zero Config: nothing is half-applied.
// Its cost is linear in the document (strict.go says how).
func Parse(file string, data []byte) (Config, error) {
	if len(data) > MaxFileBytes {
		return Config{}, tooLarge(file)
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	sc, err := scanDoc(file, data)
	if err != nil {
		return Config{}, err
	}
	if len(sc.unknown) > 0 {
		e := &Error{Problems: sc.unknown}
		if len(e.Problems) > maxUnknownKeys {
			more := len(e.Problems) - maxUnknownKeys
			e.Problems = append(e.Problems[:maxUnknownKeys:maxUnknownKeys], Problem{File: file, Msg: fmt.Sprintf("and %d more unknown keys", more)})
		}
		// Unknown keys should not hide other mistakes: decode again
		// leniently and report the value problems too, in one pass.
		lenient := Default()
		if sc.keys <= maxKeys && toml.Unmarshal(data, &lenient) == nil {
			var ve *Error
			if errors.As(lenient.Validate(), &ve) {
				for _, p := range ve.Problems {
					p.File, p.Line = file, sc.lines[p.Key]
					e.Problems = append(e.Problems, p)
				}
			}
		}
		return Config{}, e
	}
	if sc.keys > maxKeys {
		return Config{}, &Error{Problems: []Problem{{File: file, Msg: fmt.Sprintf("%d keys: a cuecast config has at most %d (the example with every key has under 200)", sc.keys, maxKeys)}}}
	}
	cfg := Default()
	if err := toml.Unmarshal(data, &cfg); err != nil {
		return Config{}, decodeError(file, err)
	}
	if len(sc.bare) > 0 {
		return Config{}, &Error{Problems: sc.bare}
	}
	if err := cfg.Validate(); err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			for i := range ce.Problems {
				ce.Problems[i].File = file
				ce.Problems[i].Line = sc.lines[ce.Problems[i].Key]
			}
		}
		return Config{}, err
	}
	return cfg, nil
}

func decodeError(file string, err error) error {
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, _ := de.Position()
		msg := de.Error()
		msg = strings.TrimPrefix(msg, "toml: ")
		return &Error{Problems: []Problem{{File: file, Line: row, Key: strings.Join(de.Key(), "."), Msg: msg}}}
	}
	// Type mismatches come back as plain errors without a position in some
	// go-toml paths; name the file at least.
	return &Error{Problems: []Problem{{File: file, Msg: strings.TrimPrefix(err.Error(), "toml: ")}}}
}

// validator collects problems; section returns a view that prefixes keys.
type validator struct{ problems []Problem }

type section struct {
	v      *validator
	prefix string
}

func (v *validator) section(name string) section { return section{v, name} }

func (v *validator) err() error {
	if len(v.problems) == 0 {
		return nil
	}
	sort.SliceStable(v.problems, func(i, j int) bool { return v.problems[i].Key < v.problems[j].Key })
	return &Error{Problems: v.problems}
}

// fail records a problem with key (relative to the section).
func (s section) fail(key, format string, args ...any) {
	s.v.problems = append(s.v.problems, Problem{Key: s.prefix + "." + key, Msg: fmt.Sprintf(format, args...)})
}

// check records a problem unless ok.
func (s section) check(ok bool, key, format string, args ...any) {
	if !ok {
		s.fail(key, format, args...)
	}
}

// rangeF checks lo <= x <= hi.
func (s section) rangeF(x, lo, hi float64, key string) {
	s.check(x >= lo && x <= hi && x == x, key, "%v is out of range [%v, %v]", x, lo, hi)
}

// rangeI checks lo <= x <= hi.
func (s section) rangeI(x, lo, hi int, key string) {
	s.check(x >= lo && x <= hi, key, "%d is out of range [%d, %d]", x, lo, hi)
}

// positive checks a duration is > 0.
func (s section) positive(d Duration, key string) {
	s.check(d > 0, key, "%s must be positive", time.Duration(d))
}

// Duration is a time.Duration written in TOML as a string ("250ms", "30s").
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

func (d *Duration) UnmarshalText(b []byte) error {
	x, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration (examples: \"250ms\", \"30s\", \"5m\")", b)
	}
	*d = Duration(x)
	return nil
}
