package filter

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Doc is a JSON value parsed into a tree of nodes that keep their raw bytes.
// It is built by Parse and read-only afterwards.
type Doc struct {
	src   []byte
	nodes []node // nodes[0] is the root
}

// node is one JSON value. Children of an object or array are a linked list
// (first, next) of node indexes; -1 ends it.
type node struct {
	kind        byte  // '{', '[', '"', 'n' (number), 't', 'f', '0' (null)
	start, end  int32 // raw bytes src[start:end]
	keyS, keyE  int32 // object members: the key's raw bytes, quotes excluded
	keyEscaped  bool  // the key holds a backslash escape
	first, next int32
}

// maxDepth bounds nesting: the hub's own publications are a few levels deep.
const maxDepth = 64

var errSyntax = errors.New("filter: invalid JSON")

// Parse parses one JSON value. src must stay unmodified while the Doc is
// used (the Doc keeps slices of it).
func Parse(src []byte) (*Doc, error) {
	d := &Doc{src: src, nodes: make([]node, 0, 16+len(src)/12)}
	p := parser{d: d}
	p.skipSpace()
	if _, err := p.value(0); err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i != len(src) {
		return nil, fmt.Errorf("%w: trailing data at byte %d", errSyntax, p.i)
	}
	return d, nil
}

type parser struct {
	d *Doc
	i int
}

func (p *parser) skipSpace() {
	s := p.d.src
	for p.i < len(s) && (s[p.i] == ' ' || s[p.i] == '\n' || s[p.i] == '\r' || s[p.i] == '\t') {
		p.i++
	}
}

func (p *parser) fail(what string) error {
	return fmt.Errorf("%w: %s at byte %d", errSyntax, what, p.i)
}

// value parses the value at p.i and returns its node index.
func (p *parser) value(depth int) (int32, error) {
	if depth > maxDepth {
		return 0, p.fail("nesting too deep")
	}
	s := p.d.src
	if p.i >= len(s) {
		return 0, p.fail("unexpected end")
	}
	idx := int32(len(p.d.nodes))
	p.d.nodes = append(p.d.nodes, node{start: int32(p.i), first: -1, next: -1})
	switch c := s[p.i]; {
	case c == '{' || c == '[':
		if err := p.container(idx, c, depth); err != nil {
			return 0, err
		}
	case c == '"':
		p.d.nodes[idx].kind = '"'
		if _, err := p.str(); err != nil {
			return 0, err
		}
	case c == '-' || c >= '0' && c <= '9':
		p.d.nodes[idx].kind = 'n'
		p.i++
		for p.i < len(s) && (s[p.i] >= '0' && s[p.i] <= '9' || s[p.i] == '.' || s[p.i] == 'e' || s[p.i] == 'E' || s[p.i] == '+' || s[p.i] == '-') {
			p.i++
		}
	case c == 't':
		p.d.nodes[idx].kind = 't'
		if err := p.lit("true"); err != nil {
			return 0, err
		}
	case c == 'f':
		p.d.nodes[idx].kind = 'f'
		if err := p.lit("false"); err != nil {
			return 0, err
		}
	case c == 'n':
		p.d.nodes[idx].kind = '0'
		if err := p.lit("null"); err != nil {
			return 0, err
		}
	default:
		return 0, p.fail("unexpected character")
	}
	p.d.nodes[idx].end = int32(p.i)
	return idx, nil
}

func (p *parser) lit(w string) error {
	if len(p.d.src)-p.i < len(w) || string(p.d.src[p.i:p.i+len(w)]) != w {
		return p.fail("bad literal")
	}
	p.i += len(w)
	return nil
}

// str skips a string starting at p.i (the opening quote) and reports
// whether it holds an escape.
func (p *parser) str() (bool, error) {
	s := p.d.src
	p.i++
	esc := false
	for p.i < len(s) {
		switch s[p.i] {
		case '"':
			p.i++
			return esc, nil
		case '\\':
			esc = true
			p.i += 2
			continue
		}
		p.i++
	}
	return false, p.fail("unterminated string")
}

func (p *parser) container(idx int32, open byte, depth int) error {
	s := p.d.src
	p.d.nodes[idx].kind = open
	closer := byte(']')
	if open == '{' {
		closer = '}'
	}
	p.i++
	p.skipSpace()
	if p.i < len(s) && s[p.i] == closer {
		p.i++
		return nil
	}
	prev := int32(-1)
	for {
		p.skipSpace()
		var ks, ke int32
		var kesc bool
		if open == '{' {
			if p.i >= len(s) || s[p.i] != '"' {
				return p.fail("want a member name")
			}
			ks = int32(p.i + 1)
			e, err := p.str()
			if err != nil {
				return err
			}
			ke, kesc = int32(p.i-1), e
			p.skipSpace()
			if p.i >= len(s) || s[p.i] != ':' {
				return p.fail("want ':'")
			}
			p.i++
			p.skipSpace()
		}
		kid, err := p.value(depth + 1)
		if err != nil {
			return err
		}
		k := &p.d.nodes[kid]
		k.keyS, k.keyE, k.keyEscaped = ks, ke, kesc
		if prev < 0 {
			p.d.nodes[idx].first = kid
		} else {
			p.d.nodes[prev].next = kid
		}
		prev = kid
		p.skipSpace()
		if p.i >= len(s) {
			return p.fail("unexpected end")
		}
		if s[p.i] == ',' {
			p.i++
			continue
		}
		if s[p.i] == closer {
			p.i++
			return nil
		}
		return p.fail("want ',' or a closing bracket")
	}
}

// raw returns node n's bytes.
func (d *Doc) raw(n int32) []byte { return d.src[d.nodes[n].start:d.nodes[n].end] }

// keyIs reports whether member n's name is k.
func (d *Doc) keyIs(n int32, k string) bool {
	nd := &d.nodes[n]
	if !nd.keyEscaped {
		return string(d.src[nd.keyS:nd.keyE]) == k
	}
	var s string
	if json.Unmarshal(d.src[nd.keyS-1:nd.keyE+1], &s) != nil {
		return false
	}
	return s == k
}

// member returns the child of object n named k, or -1.
func (d *Doc) member(n int32, k string) int32 {
	for c := d.nodes[n].first; c >= 0; c = d.nodes[c].next {
		if d.keyIs(c, k) {
			return c
		}
	}
	return -1
}

// str returns string node n's value.
func (d *Doc) str(n int32) string {
	r := d.raw(n)
	for _, b := range r[1 : len(r)-1] {
		if b == '\\' {
			var s string
			json.Unmarshal(r, &s) // valid: Parse checked its extent; a bad escape gives ""
			return s
		}
	}
	return string(r[1 : len(r)-1])
}

// num returns number node n's value.
func (d *Doc) num(n int32) (float64, bool) {
	f, err := strconv.ParseFloat(string(d.raw(n)), 64)
	return f, err == nil
}
