package filter

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"
)

// Kind is the JSON kind of a schema node.
type Kind uint8

const (
	KindAny    Kind = iota // anything: a path may go on below it unchecked
	KindObject             // fixed member names (a Go struct)
	KindArray              // elements of one schema; paths go through it to every element
	KindMap                // any member name, values of one schema (a Go map)
	KindString
	KindNumber
	KindBool
)

func (k Kind) String() string {
	return [...]string{"any", "object", "array", "map", "string", "number", "bool"}[k]
}

// Schema describes a stream's data. Build it with SchemaOf; it is immutable
// afterwards (Ordered returns a modified copy of the path it names).
type Schema struct {
	Kind   Kind
	Fields map[string]*Schema // KindObject
	Elem   *Schema            // KindArray, KindMap
	// Order lists a string field's values from lowest to highest, so lt/le/
	// gt/ge compare ranks ("level ge warning"); nil: strings are not ordered.
	Order []string
}

var (
	timeType      = reflect.TypeFor[time.Time]()
	rawType       = reflect.TypeFor[json.RawMessage]()
	marshalerType = reflect.TypeFor[json.Marshaler]()
)

// SchemaOf returns the schema of v's type as encoding/json encodes it:
// struct fields by their json names (embedded structs flattened, "-"
// skipped), pointers by what they point to, slices as arrays, maps as maps,
// time.Time as a string, json.RawMessage, interfaces and other types with
// their own MarshalJSON as any.
func SchemaOf(v any) *Schema {
	return schemaOf(reflect.TypeOf(v), map[reflect.Type]*Schema{})
}

func schemaOf(t reflect.Type, seen map[reflect.Type]*Schema) *Schema {
	if t == nil {
		return &Schema{Kind: KindAny}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if s, ok := seen[t]; ok {
		return s // a recursive type (Event -> ShotSummary -> []Event)
	}
	switch {
	case t == timeType:
		return &Schema{Kind: KindString}
	case t == rawType, t.Implements(marshalerType), reflect.PointerTo(t).Implements(marshalerType):
		return &Schema{Kind: KindAny}
	}
	switch t.Kind() {
	case reflect.Struct:
		s := &Schema{Kind: KindObject, Fields: map[string]*Schema{}}
		seen[t] = s
		addFields(s, t, seen)
		return s
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return &Schema{Kind: KindString} // []byte encodes as base64
		}
		s := &Schema{Kind: KindArray}
		seen[t] = s
		s.Elem = schemaOf(t.Elem(), seen)
		return s
	case reflect.Map:
		s := &Schema{Kind: KindMap}
		seen[t] = s
		s.Elem = schemaOf(t.Elem(), seen)
		return s
	case reflect.String:
		return &Schema{Kind: KindString}
	case reflect.Bool:
		return &Schema{Kind: KindBool}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return &Schema{Kind: KindNumber}
	}
	return &Schema{Kind: KindAny}
}

func addFields(s *Schema, t reflect.Type, seen map[reflect.Type]*Schema) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			addFields(s, ft, seen) // embedded: its fields are promoted
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fs := schemaOf(f.Type, seen)
		if strings.Contains(opts, "string") && fs.Kind == KindNumber {
			fs = &Schema{Kind: KindString}
		}
		s.Fields[name] = fs
	}
}

// Ordered returns a copy of s in which the string field at path has the
// given order (lowest first), for rank comparisons. It panics when path
// does not name a string field: schemas are built by the program, not by
// clients.
func (s *Schema) Ordered(path string, values ...string) *Schema {
	segs := strings.Split(path, ".")
	return s.withOrder(segs, values)
}

func (s *Schema) withOrder(segs []string, values []string) *Schema {
	c := *s
	switch {
	case len(segs) == 0:
		if s.Kind != KindString {
			panic(fmt.Sprintf("filter: Ordered: %s is not a string field", s.Kind))
		}
		c.Order = values
		return &c
	case s.Kind == KindObject:
		f, ok := s.Fields[segs[0]]
		if !ok {
			panic("filter: Ordered: no field " + segs[0])
		}
		c.Fields = make(map[string]*Schema, len(s.Fields))
		for k, v := range s.Fields {
			c.Fields[k] = v
		}
		c.Fields[segs[0]] = f.withOrder(segs[1:], values)
		return &c
	case s.Kind == KindArray:
		c.Elem = s.Elem.withOrder(segs, values)
		return &c
	case s.Kind == KindMap:
		c.Elem = s.Elem.withOrder(segs[1:], values)
		return &c
	}
	panic("filter: Ordered: cannot go below a " + s.Kind.String())
}

// resolve walks path from s: through arrays to their elements, through a
// map by any key, stopping at any. It returns the schema at the end, or an
// *Error naming where the path leaves the schema.
func (s *Schema) resolve(where string, path string) (*Schema, error) {
	if path == "" {
		return nil, &Error{Path: path, Msg: where + ": empty path"}
	}
	cur := s
	segs := strings.Split(path, ".")
	for i, seg := range segs {
		for cur.Kind == KindArray {
			cur = cur.Elem
		}
		if seg == "" {
			return nil, &Error{Path: path, Msg: where + ": empty segment in path"}
		}
		switch cur.Kind {
		case KindAny:
			return cur, nil
		case KindMap:
			cur = cur.Elem
		case KindObject:
			f, ok := cur.Fields[seg]
			if !ok {
				at := strings.Join(segs[:i], ".")
				if at == "" {
					at = "data"
				}
				return nil, &Error{Path: path, Msg: fmt.Sprintf("%s: unknown field %q (%s has: %s)", where, seg, at, strings.Join(cur.names(), ", "))}
			}
			cur = f
		default:
			return nil, &Error{Path: path, Msg: fmt.Sprintf("%s: %s is a %s and has no field %q", where, strings.Join(segs[:i], "."), cur.Kind, seg)}
		}
	}
	for cur.Kind == KindArray {
		cur = cur.Elem
	}
	return cur, nil
}

func (s *Schema) names() []string {
	out := make([]string, 0, len(s.Fields))
	for k := range s.Fields {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
