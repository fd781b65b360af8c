package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"time"

	toml "github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
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

// Load reads and validates the file at path. A missing file is an error:
// callers that accept "no file" check os.IsNotExist themselves (the daemon
// runs on Default when the default path is absent).
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes data (named file in messages) over the defaults and validates
// the result. On any error it returns the zero Config: nothing is half-applied.
func Parse(file string, data []byte) (Config, error) {
	cfg := Default()
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		derr := decodeError(file, err)
		var sm *toml.StrictMissingError
		if errors.As(err, &sm) {
			// Unknown keys should not hide other mistakes: decode again
			// leniently and report the value problems too, in one pass.
			lenient := Default()
			if toml.Unmarshal(data, &lenient) == nil {
				if verr := lenient.Validate(); verr != nil {
					var ve, de *Error
					if errors.As(verr, &ve) && errors.As(derr, &de) {
						lines := keyLines(data)
						for _, p := range ve.Problems {
							p.File, p.Line = file, lines[p.Key]
							de.Problems = append(de.Problems, p)
						}
					}
				}
			}
		}
		return Config{}, derr
	}
	if err := bareDurations(file, data); err != nil {
		return Config{}, err
	}
	if err := cfg.Validate(); err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			lines := keyLines(data)
			for i := range ce.Problems {
				ce.Problems[i].File = file
				ce.Problems[i].Line = lines[ce.Problems[i].Key]
			}
		}
		return Config{}, err
	}
	return cfg, nil
}

func decodeError(file string, err error) error {
	var sm *toml.StrictMissingError
	if errors.As(err, &sm) {
		e := &Error{}
		for i := range sm.Errors {
			de := &sm.Errors[i]
			row, _ := de.Position()
			e.Problems = append(e.Problems, Problem{File: file, Line: row, Key: strings.Join(de.Key(), "."), Msg: "unknown key"})
		}
		return e
	}
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

// keyLines maps every dotted key in a TOML document to its 1-based line, so a
// validation problem found after decoding can point at the line to fix.
func keyLines(data []byte) map[string]int {
	lines := map[string]int{}
	var p unstable.Parser
	p.Reset(data)
	var prefix []string
	for p.NextExpression() {
		n := p.Expression()
		switch n.Kind {
		case unstable.Table, unstable.ArrayTable:
			prefix = prefix[:0]
			it := n.Key()
			for it.Next() {
				prefix = append(prefix, string(it.Node().Data))
			}
			lines[strings.Join(prefix, ".")] = lineOf(data, p.Shape(n.Raw).Start.Offset, n, &p)
		case unstable.KeyValue:
			key := append([]string(nil), prefix...)
			it := n.Key()
			var first *unstable.Node
			for it.Next() {
				if first == nil {
					first = it.Node()
				}
				key = append(key, string(it.Node().Data))
			}
			line := 0
			if first != nil {
				line = p.Shape(first.Raw).Start.Line
			}
			lines[strings.Join(key, ".")] = line
		}
	}
	return lines
}

func lineOf(data []byte, off int, n *unstable.Node, p *unstable.Parser) int {
	it := n.Key()
	if it.Next() {
		return p.Shape(it.Node().Raw).Start.Line
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
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

var durationType = reflect.TypeFor[Duration]()

// bareDurations refuses a number where a duration belongs. go-toml decodes
// an integer straight into Duration (an int64) without UnmarshalText, so
// "ping_interval = 15" would silently mean 15 ns and might even validate.
// Only the document shows it: walk it beside the Config type.
func bareDurations(file string, data []byte) error {
	var doc map[string]any
	if toml.Unmarshal(data, &doc) != nil {
		return nil // already decoded once: cannot fail here
	}
	var problems []Problem
	var walk func(t reflect.Type, m map[string]any, prefix string)
	walk = func(t reflect.Type, m map[string]any, prefix string) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
			v, ok := m[name]
			if !ok || name == "" {
				continue
			}
			switch {
			case f.Type == durationType:
				if _, isString := v.(string); !isString {
					problems = append(problems, Problem{File: file, Key: prefix + name,
						Msg: fmt.Sprintf("%v is not a duration: write a string such as \"15s\" or \"250ms\" (a bare number would mean nanoseconds)", v)})
				}
			case f.Type.Kind() == reflect.Struct:
				if sub, ok := v.(map[string]any); ok {
					walk(f.Type, sub, prefix+name+".")
				}
			}
		}
	}
	walk(reflect.TypeFor[Config](), doc, "")
	if len(problems) == 0 {
		return nil
	}
	lines := keyLines(data)
	for i := range problems {
		problems[i].Line = lines[problems[i].Key]
	}
	return &Error{Problems: problems}
}
