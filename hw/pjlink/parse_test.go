package pjlink

import (
	"strconv"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary answer bodies to the parsers: they never panic,
// and what they accept re-encodes to the input (nothing is silently coerced).
func FuzzParse(f *testing.F) {
	for _, s := range []string{"0", "1", "2", "3", "4", "000000", "021001", "0210010", "22222x", "1234 1", "10 0 20 1", "-1 1", "", " ", "9999999999999999999999 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if p, err := parsePower(s); err == nil && strconv.Itoa(int(p)) != s {
			t.Fatalf("parsePower(%q) = %v", s, p)
		}
		if e, err := parseErrors(s); err == nil {
			var b strings.Builder
			for _, h := range e.Fields() {
				b.WriteString(strconv.Itoa(int(h)))
			}
			if b.String() != s {
				t.Fatalf("parseErrors(%q) = %+v", s, e)
			}
		}
		if l, err := parseLamps(s); err == nil {
			if len(l) < 1 || len(l) > 8 {
				t.Fatalf("parseLamps(%q) = %d lamps", s, len(l))
			}
			for _, x := range l {
				if x.Hours < 0 {
					t.Fatalf("parseLamps(%q): negative hours", s)
				}
			}
		}
	})
}

func TestParseTable(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want []Lamp
		ok   bool
	}{
		{"1234 1", []Lamp{{1234, true}}, true},
		{"10 0 20 1", []Lamp{{10, false}, {20, true}}, true},
		{"10", nil, false},
		{"10 2", nil, false},
		{"-5 1", nil, false},
		{"", nil, false},
	} {
		got, err := parseLamps(tc.s)
		if (err == nil) != tc.ok || len(got) != len(tc.want) {
			t.Errorf("parseLamps(%q) = %v, %v", tc.s, got, err)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("parseLamps(%q)[%d] = %v, want %v", tc.s, i, got[i], tc.want[i])
			}
		}
	}
}
