package filter

import (
	"encoding/json"
	"testing"
)

// FuzzParseProject: any input either fails to parse or parses into a tree
// whose projections are valid JSON; nothing panics.
func FuzzParseProject(f *testing.F) {
	for _, s := range []string{
		`{"balls":[{"id":"cue","pos":{"x":0.5,"y":0.25}}],"phase":"idle"}`,
		`{"type":"ball_pocketed","balls":["3"],"pocket":"side-top","speed":1.5}`,
		`[1,2,{"a":[]}]`, `"x"`, `null`, `{"\u0070hase":"a\"b"}`,
	} {
		f.Add([]byte(s))
	}
	filters := []*Filter{}
	for _, s := range []string{
		`{"fields":["balls.id","balls.pos","phase"]}`,
		`{"exclude":["balls.pos.x"],"where":{"phase":{"in":["idle","shot"]}}}`,
		`{"where":{"balls.pos.x":{"gt":0.1}}}`,
	} {
		var sp Spec
		json.Unmarshal([]byte(s), &sp)
		flt, err := Compile(sp, stateSchema)
		if err != nil {
			f.Fatal(err)
		}
		filters = append(filters, flt)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Parse(b)
		if err != nil {
			return
		}
		if !json.Valid(b) {
			// Parse is lenient about number syntax only (the hub parses
			// what it validated itself); anything else must be refused.
			return
		}
		for _, flt := range filters {
			flt.Match(d)
			if out := flt.Project(d, nil); !json.Valid(out) {
				t.Fatalf("Project(%s) = %s: invalid JSON", b, out)
			}
		}
	})
}
