package config

import (
	"bytes"
	"encoding"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/pelletier/go-toml/v2/unstable"
)

// Strict decoding in one pass over the document (linear in its size).
//
// go-toml's DisallowUnknownFields builds a contextual error for every
// unknown key by scanning the document from its start, and its duplicate-key
// tracker searches every key seen so far for each new one: both are
// quadratic, and 40k keys took over a minute. So before go-toml decodes
// anything, scanDoc walks the parsed document beside the Config type: it
// finds unknown keys (with go-toml's own rule for matching a key to a field,
// so a key reported unknown is exactly one the decoder would drop), numbers
// where a duration belongs, the line of every key, and how many keys there
// are. A document with more keys than any config can hold (maxKeys) is
// refused there, so go-toml only ever sees a small one.

// maxKeys bounds the keys (and table headers) of a document handed to
// go-toml. The full example (every key of every section) has under 200.
const maxKeys = 2000

// scan is what scanDoc learned about a document.
type scan struct {
	lines   map[string]int // dotted key -> 1-based line
	unknown []Problem      // keys no Config field takes, in document order
	bare    []Problem      // numbers where a duration belongs
	keys    int            // key/values (inline ones included) and table headers
}

// scanDoc parses data once. A syntax error comes back as an *Error with the
// line it is on.
func scanDoc(file string, data []byte) (*scan, error) {
	s := &scan{lines: map[string]int{}}
	w := walker{file: file, s: s, lc: lineCounter{data: data, line: 1}, seen: map[string]bool{}}
	var p unstable.Parser
	p.Reset(data)
	var table reflect.Type // nil: the current table is unknown (reported at its header)
	var prefix []string
	table = reflect.TypeFor[Config]()
	for p.NextExpression() {
		n := p.Expression()
		switch n.Kind {
		case unstable.Table, unstable.ArrayTable:
			s.keys++
			prefix = prefix[:0]
			line := 0
			for it := n.Key(); it.Next(); {
				if line == 0 {
					line = w.lc.at(int(it.Node().Raw.Offset))
				}
				prefix = append(prefix, string(it.Node().Data))
			}
			key := strings.Join(prefix, ".")
			s.lines[key] = line
			table = w.resolve(reflect.TypeFor[Config](), prefix, 0, line)
		case unstable.KeyValue:
			w.keyValue(table, prefix, n)
		}
	}
	if err := p.Error(); err != nil {
		return nil, syntaxError(file, data, err)
	}
	return s, nil
}

type walker struct {
	file string
	s    *scan
	lc   lineCounter
	seen map[string]bool // unknown keys already reported
}

// keyValue checks one key/value under table (nil: unknown) at prefix, and
// the keys of an inline table value, recursively.
func (w *walker) keyValue(table reflect.Type, prefix []string, n *unstable.Node) {
	w.s.keys++
	key := append([]string(nil), prefix...)
	line := 0
	for it := n.Key(); it.Next(); {
		if line == 0 {
			line = w.lc.at(int(it.Node().Raw.Offset))
		}
		key = append(key, string(it.Node().Data))
	}
	w.s.lines[strings.Join(key, ".")] = line
	if table == nil {
		return
	}
	t := w.resolve(table, key, len(prefix), line)
	if t == nil {
		return
	}
	w.value(t, key, n.Value(), line)
}

// value checks a value of type t at key.
func (w *walker) value(t reflect.Type, key []string, v *unstable.Node, line int) {
	t = deref(t)
	switch {
	case t == durationType:
		if v.Kind != unstable.String {
			w.s.bare = append(w.s.bare, Problem{File: w.file, Line: line, Key: strings.Join(key, "."),
				Msg: fmt.Sprintf("%s is not a duration: write a string such as \"15s\" or \"250ms\" (a bare number would mean nanoseconds)", bytes.TrimSpace(v.Data))})
		}
	case v.Kind == unstable.InlineTable:
		for it := v.Children(); it.Next(); {
			if kv := it.Node(); kv.Kind == unstable.KeyValue {
				w.keyValue(t, key, kv)
			}
		}
	case v.Kind == unstable.Array && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
		for it := v.Children(); it.Next(); {
			w.value(t.Elem(), key, it.Node(), line)
		}
	}
}

// resolve follows key[from:] down from type t and returns the type it names,
// or nil when a part is unknown (reported once, at the first unknown part)
// or lies under a plain value (the decoder reports the type mismatch).
func (w *walker) resolve(t reflect.Type, key []string, from, line int) reflect.Type {
	for i := from; i < len(key); i++ {
		t = deref(t)
		for t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			t = deref(t.Elem()) // [[array]] tables: the keys are the element's
		}
		switch {
		case reflect.PointerTo(t).Implements(textUnmarshaler):
			return nil
		case t.Kind() == reflect.Struct:
			f, ok := fieldOf(t, key[i])
			if !ok {
				k := strings.Join(key[:i+1], ".")
				if !w.seen[k] {
					w.seen[k] = true
					w.s.unknown = append(w.s.unknown, Problem{File: w.file, Line: line, Key: k, Msg: "unknown key"})
				}
				return nil
			}
			t = f.Type
		case t.Kind() == reflect.Map:
			t = t.Elem() // any key
		default:
			return nil
		}
	}
	return t
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// syntaxError turns the parser's error into a Problem on its line.
func syntaxError(file string, data []byte, err error) error {
	pe, ok := err.(*unstable.ParserError)
	if !ok {
		return &Error{Problems: []Problem{{File: file, Msg: strings.TrimPrefix(err.Error(), "toml: ")}}}
	}
	line := 0
	// The highlight is a subslice of data: its offset is the difference of
	// the capacities (what unstable.Parser.Range does, without its panic).
	if off := cap(data) - cap(pe.Highlight); pe.Highlight != nil && off >= 0 && off <= len(data) {
		line = bytes.Count(data[:off], []byte("\n")) + 1
	}
	return &Error{Problems: []Problem{{File: file, Line: line, Key: strings.Join(pe.Key, "."), Msg: pe.Message}}}
}

// lineCounter turns byte offsets into 1-based lines, counting newlines only
// between the previous offset and the next: linear over a document whose
// offsets are asked in increasing order (a smaller one restarts the count).
type lineCounter struct {
	data []byte
	off  int // line is the line of data[off]
	line int
}

func (c *lineCounter) at(off int) int {
	if off < c.off {
		c.off, c.line = 0, 1
	}
	off = min(off, len(c.data))
	c.line += bytes.Count(c.data[c.off:off], []byte("\n"))
	c.off = off
	return c.line
}

var (
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	durationType    = reflect.TypeFor[Duration]()
)

// fieldsCache holds, per struct type, its decodable fields by exact name and
// by lower-case name (go-toml: exact match first, then case-insensitive).
var fieldsCache sync.Map // reflect.Type -> *fieldSet

type fieldSet struct {
	exact map[string]reflect.StructField
	fold  map[string]reflect.StructField
}

func fieldsFor(t reflect.Type) *fieldSet {
	if fs, ok := fieldsCache.Load(t); ok {
		return fs.(*fieldSet)
	}
	fs := &fieldSet{exact: map[string]reflect.StructField{}, fold: map[string]reflect.StructField{}}
	var add func(t reflect.Type)
	add = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("toml")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				if ft := deref(f.Type); ft.Kind() == reflect.Struct {
					add(ft) // flattened, as go-toml does
				}
				continue
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if _, dup := fs.exact[name]; !dup {
				fs.exact[name] = f
			}
			if _, dup := fs.fold[strings.ToLower(name)]; !dup {
				fs.fold[strings.ToLower(name)] = f
			}
		}
	}
	add(t)
	fs2, _ := fieldsCache.LoadOrStore(t, fs)
	return fs2.(*fieldSet)
}

// fieldOf returns the field of struct type t that key k decodes into.
func fieldOf(t reflect.Type, k string) (reflect.StructField, bool) {
	fs := fieldsFor(t)
	if f, ok := fs.exact[k]; ok {
		return f, true
	}
	f, ok := fs.fold[strings.ToLower(k)]
	return f, ok
}
