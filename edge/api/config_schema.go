package api

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/cuecast/cuecast/edge/config"
)

// The JSON Schema of the config file is generated from config.Config by
// reflection: keys and types from the struct and its toml tags, defaults from
// config.Default, numeric ranges found by probing config.Validate (see
// probeRange), descriptions from edge/config's doc comments (config_docs.go,
// kept in step by TestConfigDocs). Nothing is written twice, so the schema cannot drift from what
// the daemon accepts. Built once, on first request.
var (
	schemaOnce sync.Once
	schemaJSON []byte
	schemaErr  error
)

func (a *API) configSchema(w http.ResponseWriter, r *http.Request) *apiError {
	if _, e := params(r); e != nil {
		return e
	}
	schemaOnce.Do(func() { schemaJSON, schemaErr = json.MarshalIndent(ConfigSchema(), "", "  ") })
	if schemaErr != nil {
		return errorf(http.StatusInternalServerError, CodeInternal, "api: encoding the config schema: %v", schemaErr)
	}
	h := w.Header()
	h.Set("Content-Type", "application/schema+json")
	w.WriteHeader(http.StatusOK)
	w.Write(schemaJSON)
	return nil
}

var durationType = reflect.TypeFor[config.Duration]()

// durationPattern is what time.ParseDuration accepts.
const durationPattern = `^[-+]?([0-9]*(\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h))+$|^0$`

// ConfigSchema returns a JSON Schema (draft 2020-12) of the config file. It
// describes the TOML document; the JSON form PUT /api/v1/config accepts has
// the same keys.
func ConfigSchema() map[string]any {
	def := config.Default()
	p := &prober{}
	s := p.object(reflect.ValueOf(def), nil, "")
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = "https://cuecast.invalid/schema/config.json"
	s["title"] = "cuecast configuration (/etc/cuecast/cuecast.toml)"
	s["description"] = "Every key has a default; keys left out take it. Unknown keys are errors. " +
		"Numeric ranges are derived from the daemon's own validation. Secrets are writeOnly and read back as \"" + Redacted + "\"."
	return s
}

type prober struct{}

// object describes a struct value v found at index path idx, dotted key.
func (p *prober) object(v reflect.Value, idx []int, key string) map[string]any {
	t := v.Type()
	props := map[string]any{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := tomlName(f)
		if name == "-" {
			continue
		}
		sub := name
		if key != "" {
			sub = key + "." + name
		}
		fi := append(append([]int(nil), idx...), i)
		fs := p.value(v.Field(i), fi, sub)
		if d := configDocs[sub]; d != "" {
			fs["description"] = d
		}
		if isSecret(f) {
			fs["writeOnly"] = true
			fs["description"] = strings.TrimSpace(configDocs[sub] + " Secret: GET and export show \"" + Redacted + "\" when set; sending \"" + Redacted + "\" back keeps the current value.")
		}
		props[name] = fs
	}
	return map[string]any{"type": "object", "additionalProperties": false, "properties": props}
}

func (p *prober) value(v reflect.Value, idx []int, key string) map[string]any {
	t := v.Type()
	if t == durationType {
		d := time.Duration(v.Int())
		s := map[string]any{"type": "string", "format": "duration", "pattern": durationPattern, "default": d.String(),
			"examples": []string{"250ms", "30s", "5m"}}
		// Durations are only described when the probe finds a plain lower
		// bound: other bounds are relative to another key (idle_timeout >
		// ping_interval) and would mislead as absolute numbers.
		if lo, _, ok := p.probeInt(idx, key, v.Int()); ok && lo != nil {
			switch *lo {
			case 0:
				s["x-minimum"] = "0s"
				s["$comment"] = "must not be negative"
			case 1:
				s["x-exclusiveMinimum"] = "0s"
				s["$comment"] = "must be positive"
			}
		}
		return s
	}
	switch t.Kind() {
	case reflect.Struct:
		return p.object(v, idx, key)
	case reflect.String:
		return map[string]any{"type": "string", "default": v.String()}
	case reflect.Bool:
		return map[string]any{"type": "boolean", "default": v.Bool()}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		s := map[string]any{"type": "integer", "default": v.Int()}
		if lo, hi, ok := p.probeInt(idx, key, v.Int()); ok {
			if lo != nil {
				s["minimum"] = *lo
			}
			if hi != nil {
				s["maximum"] = *hi
			}
		}
		return s
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer", "minimum": 0, "default": v.Uint()}
	case reflect.Float32, reflect.Float64:
		s := map[string]any{"type": "number", "default": v.Float()}
		if lo, hi, ok := p.probeFloat(idx, key, v.Float()); ok {
			if lo != nil {
				if *lo == math.SmallestNonzeroFloat64 {
					s["exclusiveMinimum"] = 0
				} else {
					s["minimum"] = *lo
				}
			}
			if hi != nil {
				s["maximum"] = *hi
			}
		}
		return s
	case reflect.Slice, reflect.Array:
		s := map[string]any{"type": "array", "items": p.value(reflect.Zero(t.Elem()), nil, "")}
		delete(s["items"].(map[string]any), "default")
		if !v.IsNil() {
			s["default"] = v.Interface()
		} else {
			s["default"] = []any{}
		}
		return s
	case reflect.Map:
		items := p.value(reflect.Zero(t.Elem()), nil, "")
		delete(items, "default")
		s := map[string]any{"type": "object", "additionalProperties": items}
		if !v.IsNil() {
			s["default"] = v.Interface()
		} else {
			s["default"] = map[string]any{}
		}
		return s
	}
	return map[string]any{}
}

// valid sets the field at idx of a default config to x (through set) and
// reports whether config.Validate has no problem with key.
func valid(idx []int, key string, set func(reflect.Value)) bool {
	c := config.Default()
	set(reflect.ValueOf(&c).Elem().FieldByIndex(idx))
	err := c.Validate()
	var ce *config.Error
	if !errors.As(err, &ce) {
		return err == nil
	}
	for _, p := range ce.Problems {
		if p.Key == key {
			return false
		}
	}
	return true
}

// probeRange finds the valid interval around def on an ordered space of
// int64 keys by binary search for each end, assuming the valid values form
// one interval. It then checks points beyond each end at growing distances;
// and inside it; if any beyond is valid or any inside is not
// (vision.detect_width: 0 or 160..3840), the values are not one interval and
// no range is claimed (ok false).
func probeRange(ok func(int64) bool, def, min, max int64, step func(k int64, d int64) (int64, bool)) (lo, hi *int64, good bool) {
	if idxOK := ok(def); !idxOK {
		return nil, nil, false
	}
	search := func(bad, good int64) int64 { // bad invalid, good valid; returns the valid end
		for {
			var mid int64
			if bad < good {
				if uint64(good-bad) <= 1 {
					return good
				}
				mid = bad + int64(uint64(good-bad)/2)
			} else {
				if uint64(bad-good) <= 1 {
					return good
				}
				mid = good + int64(uint64(bad-good)/2)
			}
			if ok(mid) {
				good = mid
			} else {
				bad = mid
			}
		}
	}
	if !ok(min) {
		l := search(min, def)
		lo = &l
		for d := int64(1); d > 0 && d < 1<<40; d *= 10 {
			if k, in := step(l, -d); in && ok(k) {
				return nil, nil, false
			}
		}
	}
	if !ok(max) {
		h := search(max, def)
		hi = &h
		for d := int64(1); d > 0 && d < 1<<40; d *= 10 {
			if k, in := step(h, d); in && ok(k) {
				return nil, nil, false
			}
		}
	}
	// Inside the interval, too: a hole next to the default (detect_width's
	// 1..159) means it is not one interval.
	for d := int64(1); d > 0 && d < 1<<40; d *= 10 {
		if k, in := step(def, d); in && (hi == nil || k <= *hi) && !ok(k) {
			return nil, nil, false
		}
		if k, in := step(def, -d); in && (lo == nil || k >= *lo) && !ok(k) {
			return nil, nil, false
		}
	}
	return lo, hi, true
}

func (p *prober) probeInt(idx []int, key string, def int64) (lo, hi *int64, ok bool) {
	if idx == nil {
		return nil, nil, false
	}
	test := func(x int64) bool { return valid(idx, key, func(v reflect.Value) { v.SetInt(x) }) }
	step := func(k, d int64) (int64, bool) {
		r := k + d
		return r, (d > 0) == (r > k)
	}
	return probeRange(test, def, -1<<53, 1<<53, step)
}

// Floats are probed in the order of their bit patterns, so the search ends on
// the exact bound (0.1, not 0.09999999999999999).
func fkey(f float64) int64 {
	b := math.Float64bits(f)
	m := int64(b &^ (1 << 63))
	if b>>63 == 1 {
		return -m
	}
	return m
}

func fval(k int64) float64 {
	if k < 0 {
		return math.Float64frombits(uint64(-k) | 1<<63)
	}
	return math.Float64frombits(uint64(k))
}

func (p *prober) probeFloat(idx []int, key string, def float64) (lo, hi *float64, ok bool) {
	if idx == nil {
		return nil, nil, false
	}
	test := func(k int64) bool { return valid(idx, key, func(v reflect.Value) { v.SetFloat(fval(k)) }) }
	// Steps beyond an end are in value space (1, 10, 100... and the same
	// fractions), not in bit space.
	step := func(k, d int64) (int64, bool) {
		x := fval(k)
		mag := float64(d)
		if mag < 0 {
			mag = -mag
		}
		delta := math.Pow(10, math.Log10(mag)-4) // 1e-4 .. 1e8
		if d < 0 {
			delta = -delta
		}
		return fkey(x + delta), true
	}
	l, h, good := probeRange(test, fkey(def), fkey(-math.MaxFloat64), fkey(math.MaxFloat64), step)
	if !good {
		return nil, nil, false
	}
	if l != nil {
		v := fval(*l)
		lo = &v
	}
	if h != nil {
		v := fval(*h)
		hi = &v
	}
	return lo, hi, true
}

// ConfigDoc returns the documentation of a dotted config key ("mqtt.url"),
// taken from edge/config's comments; "" when there is none.
func ConfigDoc(key string) string { return configDocs[key] }
