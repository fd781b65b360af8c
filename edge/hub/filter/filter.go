package filter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Spec is one stream's filter as a client sends it (docs/protocol.md,
// "Filters"). Fields keeps only the named paths of data, Exclude drops
// paths, Where lists conditions that must all hold: each is a path and
// either a scalar (equality) or an object of operators:
//
//	{"fields":["balls.id","balls.pos"]}
//	{"where":{"type":{"in":["ball_pocketed","shot_ended"]}}}
//	{"where":{"level":{"ge":"warning"}}, "exclude":["message"]}
type Spec struct {
	Fields  []string                   `json:"fields,omitempty"`
	Exclude []string                   `json:"exclude,omitempty"`
	Where   map[string]json.RawMessage `json:"where,omitempty"`
}

// Empty reports whether s filters nothing.
func (s Spec) Empty() bool { return len(s.Fields) == 0 && len(s.Exclude) == 0 && len(s.Where) == 0 }

// Limits on what one filter may ask: a filter is evaluated on the hub's
// publishing path, so its cost is bounded by construction.
const (
	MaxPaths      = 32  // fields + exclude
	MaxConditions = 16  // where entries x operators
	MaxInValues   = 64  // operands of one "in"
	MaxPathBytes  = 128 // one dotted path
	MaxValueBytes = 256 // one string operand
)

// Operators a condition may use.
var Operators = []string{"eq", "ne", "in", "lt", "le", "gt", "ge"}

// Error is a filter the schema refuses. Path is the path it is about.
type Error struct {
	Path string
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Filter is a compiled Spec. It is immutable and safe for concurrent use.
type Filter struct {
	key   string
	keep  *trie // nil: keep every field
	drop  *trie // nil: drop nothing
	conds []cond
}

type cond struct {
	path []string
	op   string
	vals []scalar
	ord  []string // the field's order, for ranked string comparisons
}

type scalar struct {
	kind byte // '"', 'n', 'b', '0'
	s    string
	n    float64
	b    bool
}

// trie is a set of paths: all means everything below is selected.
type trie struct {
	all  bool
	kids map[string]*trie
}

func (t *trie) add(segs []string) {
	for _, s := range segs {
		if t.all {
			return
		}
		if t.kids == nil {
			t.kids = map[string]*trie{}
		}
		k := t.kids[s]
		if k == nil {
			k = &trie{}
			t.kids[s] = k
		}
		t = k
	}
	t.all, t.kids = true, nil
}

// Compile checks spec against schema and compiles it. It returns an *Error
// naming the first bad path or operator; a nil Filter with a nil error when
// spec is empty.
func Compile(spec Spec, schema *Schema) (*Filter, error) {
	if spec.Empty() {
		return nil, nil
	}
	if schema == nil {
		return nil, &Error{Msg: "this stream's data has no fields to filter on"}
	}
	if n := len(spec.Fields) + len(spec.Exclude); n > MaxPaths {
		return nil, &Error{Msg: fmt.Sprintf("fields and exclude name %d paths; at most %d", n, MaxPaths)}
	}
	f := &Filter{}
	var key strings.Builder
	var err error
	if f.keep, err = paths(schema, "fields", spec.Fields, &key); err != nil {
		return nil, err
	}
	if f.drop, err = paths(schema, "exclude", spec.Exclude, &key); err != nil {
		return nil, err
	}
	wpaths := make([]string, 0, len(spec.Where))
	for p := range spec.Where {
		wpaths = append(wpaths, p)
	}
	sort.Strings(wpaths)
	for _, p := range wpaths {
		cs, err := conditions(schema, p, spec.Where[p])
		if err != nil {
			return nil, err
		}
		f.conds = append(f.conds, cs...)
		if len(f.conds) > MaxConditions {
			return nil, &Error{Path: p, Msg: fmt.Sprintf("where: more than %d conditions", MaxConditions)}
		}
	}
	for _, c := range f.conds {
		key.WriteString("w:")
		key.WriteString(strings.Join(c.path, "."))
		key.WriteString(" " + c.op)
		for _, v := range c.vals {
			key.WriteByte(' ')
			key.WriteString(v.canon())
		}
		key.WriteByte('\n')
	}
	f.key = key.String()
	return f, nil
}

func paths(schema *Schema, where string, ps []string, key *strings.Builder) (*trie, error) {
	if len(ps) == 0 {
		return nil, nil
	}
	sorted := slices.Clone(ps)
	sort.Strings(sorted)
	sorted = slices.Compact(sorted)
	t := &trie{}
	for _, p := range sorted {
		if len(p) > MaxPathBytes {
			return nil, &Error{Path: p[:MaxPathBytes], Msg: fmt.Sprintf("%s: path longer than %d bytes", where, MaxPathBytes)}
		}
		if _, err := schema.resolve(where, p); err != nil {
			return nil, err
		}
		t.add(strings.Split(p, "."))
		key.WriteString(where[:1] + ":" + p + "\n")
	}
	return t, nil
}

func conditions(schema *Schema, path string, raw json.RawMessage) ([]cond, error) {
	if len(path) > MaxPathBytes {
		return nil, &Error{Path: path[:MaxPathBytes], Msg: fmt.Sprintf("where: path longer than %d bytes", MaxPathBytes)}
	}
	fs, err := schema.resolve("where", path)
	if err != nil {
		return nil, err
	}
	switch fs.Kind {
	case KindObject, KindMap:
		return nil, &Error{Path: path, Msg: fmt.Sprintf("where %s: is an %s; conditions apply to strings, numbers and booleans", path, fs.Kind)}
	}
	segs := strings.Split(path, ".")
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		v, err := operand(fs, path, "eq", raw)
		if err != nil {
			return nil, err
		}
		return []cond{{path: segs, op: "eq", vals: []scalar{v}}}, nil
	}
	var ops map[string]json.RawMessage
	if err := json.Unmarshal(raw, &ops); err != nil {
		return nil, &Error{Path: path, Msg: fmt.Sprintf("where %s: %v", path, err)}
	}
	if len(ops) == 0 {
		return nil, &Error{Path: path, Msg: fmt.Sprintf("where %s: no operator (want one of %s)", path, strings.Join(Operators, ", "))}
	}
	names := make([]string, 0, len(ops))
	for op := range ops {
		names = append(names, op)
	}
	sort.Strings(names)
	var out []cond
	for _, op := range names {
		c := cond{path: segs, op: op}
		switch op {
		case "eq", "ne":
			v, err := operand(fs, path, op, ops[op])
			if err != nil {
				return nil, err
			}
			c.vals = []scalar{v}
		case "in":
			var list []json.RawMessage
			if err := json.Unmarshal(ops[op], &list); err != nil || len(list) == 0 || len(list) > MaxInValues {
				return nil, &Error{Path: path, Msg: fmt.Sprintf("where %s: in: want an array of 1 to %d values", path, MaxInValues)}
			}
			for _, r := range list {
				v, err := operand(fs, path, op, r)
				if err != nil {
					return nil, err
				}
				c.vals = append(c.vals, v)
			}
			sort.Slice(c.vals, func(i, j int) bool { return c.vals[i].canon() < c.vals[j].canon() })
		case "lt", "le", "gt", "ge":
			v, err := operand(fs, path, op, ops[op])
			if err != nil {
				return nil, err
			}
			switch {
			case v.kind == 'n' && (fs.Kind == KindNumber || fs.Kind == KindAny):
			case v.kind == '"' && fs.Kind == KindString && fs.Order != nil:
				c.ord = fs.Order
			case fs.Kind == KindString && fs.Order != nil:
				return nil, &Error{Path: path, Msg: fmt.Sprintf("where %s: %s: want one of %s", path, op, strings.Join(fs.Order, ", "))}
			case fs.Kind == KindString || fs.Kind == KindBool:
				return nil, &Error{Path: path, Msg: fmt.Sprintf("where %s: %s: %s is a %s without an order; use eq, ne or in", path, op, path, fs.Kind)}
			default:
				return nil, &Error{Path: path, Msg: fmt.Sprintf("where %s: %s: want a number", path, op)}
			}
			c.vals = []scalar{v}
		default:
			return nil, &Error{Path: path, Msg: fmt.Sprintf("where %s: unknown operator %q (want one of %s)", path, trunc(op, 32), strings.Join(Operators, ", "))}
		}
		out = append(out, c)
	}
	return out, nil
}

// operand decodes one operand and checks it fits the field's kind.
func operand(fs *Schema, path, op string, raw json.RawMessage) (scalar, error) {
	bad := func(msg string) (scalar, error) {
		return scalar{}, &Error{Path: path, Msg: fmt.Sprintf("where %s: %s: %s", path, op, msg)}
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return bad("not a JSON value")
	}
	var s scalar
	switch x := v.(type) {
	case nil:
		s.kind = '0'
		if op != "eq" && op != "ne" && op != "in" {
			return bad("null can only be compared with eq, ne or in")
		}
		return s, nil
	case string:
		if len(x) > MaxValueBytes {
			return bad(fmt.Sprintf("string longer than %d bytes", MaxValueBytes))
		}
		s.kind, s.s = '"', x
	case json.Number:
		f, err := x.Float64()
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return bad("number out of range")
		}
		s.kind, s.n = 'n', f
	case bool:
		s.kind, s.b = 'b', x
	default:
		return bad("want a string, a number, a boolean or null")
	}
	want := map[Kind]byte{KindString: '"', KindNumber: 'n', KindBool: 'b'}[fs.Kind]
	if want != 0 && s.kind != want {
		return bad(fmt.Sprintf("%s is a %s; got %s", path, fs.Kind, kindName(s.kind)))
	}
	if s.kind == '"' && fs.Order != nil && !slices.Contains(fs.Order, s.s) {
		return bad(fmt.Sprintf("%q is not one of %s", trunc(s.s, 32), strings.Join(fs.Order, ", ")))
	}
	return s, nil
}

func kindName(k byte) string {
	return map[byte]string{'"': "a string", 'n': "a number", 'b': "a boolean", '0': "null"}[k]
}

func (v scalar) canon() string {
	switch v.kind {
	case '"':
		return strconv.Quote(v.s)
	case 'n':
		return strconv.FormatFloat(v.n, 'g', -1, 64)
	case 'b':
		return strconv.FormatBool(v.b)
	}
	return "null"
}

func trunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// Key identifies the filter: equal specs (in any order) have equal keys.
func (f *Filter) Key() string { return f.key }

// Projects reports whether f changes data (fields or exclude).
func (f *Filter) Projects() bool { return f.keep != nil || f.drop != nil }

// Conditional reports whether f has conditions.
func (f *Filter) Conditional() bool { return len(f.conds) > 0 }

// Match reports whether d meets every condition of f.
func (f *Filter) Match(d *Doc) bool {
	for i := range f.conds {
		if !f.conds[i].holds(d) {
			return false
		}
	}
	return true
}

func (c *cond) holds(d *Doc) bool {
	hit := false
	d.visit(0, c.path, func(n int32) bool {
		if c.test(d, n) {
			hit = true
			return false
		}
		return true
	})
	if c.op == "ne" {
		// ne: no value reached by the path equals the operand.
		return !hit
	}
	return hit
}

// test applies c to value node n; for ne it tests equality (holds negates).
func (c *cond) test(d *Doc, n int32) bool {
	switch c.op {
	case "eq", "ne", "in":
		for _, v := range c.vals {
			if v.equal(d, n) {
				return true
			}
		}
		return false
	}
	v := c.vals[0]
	var a, b float64
	switch {
	case c.ord != nil:
		if d.nodes[n].kind != '"' {
			return false
		}
		a, b = float64(slices.Index(c.ord, d.str(n))), float64(slices.Index(c.ord, v.s))
		if a < 0 {
			return false
		}
	default:
		if d.nodes[n].kind != 'n' {
			return false
		}
		var ok bool
		if a, ok = d.num(n); !ok {
			return false
		}
		b = v.n
	}
	switch c.op {
	case "lt":
		return a < b
	case "le":
		return a <= b
	case "gt":
		return a > b
	}
	return a >= b
}

func (v scalar) equal(d *Doc, n int32) bool {
	k := d.nodes[n].kind
	switch v.kind {
	case '0':
		return k == '0'
	case '"':
		return k == '"' && d.str(n) == v.s
	case 'n':
		x, ok := d.num(n)
		return k == 'n' && ok && x == v.n
	case 'b':
		return k == 't' && v.b || k == 'f' && !v.b
	}
	return false
}

// visit calls fn on every value path reaches from node n, going through
// arrays to their elements; fn returns false to stop.
func (d *Doc) visit(n int32, path []string, fn func(int32) bool) bool {
	nd := &d.nodes[n]
	if nd.kind == '[' {
		for c := nd.first; c >= 0; c = d.nodes[c].next {
			if !d.visit(c, path, fn) {
				return false
			}
		}
		return true
	}
	if len(path) == 0 {
		return fn(n)
	}
	if nd.kind != '{' {
		return true
	}
	if m := d.member(n, path[0]); m >= 0 {
		return d.visit(m, path[1:], fn)
	}
	return true
}

// Project appends to dst d's JSON with only the members f keeps, members
// in their original order and values byte for byte.
func (f *Filter) Project(d *Doc, dst []byte) []byte {
	return d.project(0, f.keep, f.drop, dst)
}

func (d *Doc) project(n int32, keep, drop *trie, out []byte) []byte {
	if keep != nil && keep.all {
		keep = nil
	}
	nd := &d.nodes[n]
	if keep == nil && drop == nil {
		return append(out, d.raw(n)...)
	}
	switch nd.kind {
	case '[':
		out = append(out, '[')
		first := true
		for c := nd.first; c >= 0; c = d.nodes[c].next {
			if !first {
				out = append(out, ',')
			}
			first = false
			out = d.project(c, keep, drop, out)
		}
		return append(out, ']')
	case '{':
		out = append(out, '{')
		first := true
		for c := nd.first; c >= 0; c = d.nodes[c].next {
			var k, x *trie
			if keep != nil {
				if k = keep.child(d, c); k == nil {
					continue
				}
				if !k.all && !d.isContainer(c) {
					continue // the path goes below a value that has no members
				}
			}
			if drop != nil {
				if x = drop.child(d, c); x != nil && x.all {
					continue
				}
			}
			if !first {
				out = append(out, ',')
			}
			first = false
			cn := &d.nodes[c]
			out = append(out, d.src[cn.keyS-1:cn.keyE+1]...)
			out = append(out, ':')
			out = d.project(c, k, x, out)
		}
		return append(out, '}')
	}
	return append(out, d.raw(n)...)
}

func (d *Doc) isContainer(n int32) bool { k := d.nodes[n].kind; return k == '{' || k == '[' }

// child returns the trie below member n, nil if none.
func (t *trie) child(d *Doc, n int32) *trie {
	if nd := &d.nodes[n]; !nd.keyEscaped {
		return t.kids[string(d.src[nd.keyS:nd.keyE])] // no allocation: Go looks up []byte keys in place
	}
	for name, k := range t.kids {
		if d.keyIs(n, name) {
			return k
		}
	}
	return nil
}
