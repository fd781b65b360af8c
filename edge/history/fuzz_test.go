package history

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseDrill: whatever a technician sends, ParseDrill either refuses it
// with an error or returns a drill whose every ball is on the cloth (the
// promise the projector and the set-up check rely on).
func FuzzParseDrill(f *testing.F) {
	files, _ := filepath.Glob("drills/*.json")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Add([]byte(`{"id":"x","name":"X","shots":1,"balls":[{"ball":"cue","x":1e308,"y":2}],"success":{"pot":["1"]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDrill(b, table9)
		if err != nil {
			return
		}
		for _, p := range d.Balls {
			pos := d.Metres(table9, p.X, p.Y)
			if !(pos.X > 0 && pos.X < table9.Length && pos.Y > 0 && pos.Y < table9.Width) {
				t.Fatalf("accepted a ball off the table: %+v", p)
			}
		}
		if _, ok := d.CheckSetup(table9, nil); ok {
			t.Fatal("an empty table matched a set-up")
		}
	})
}

// FuzzReadCSV: a CSV that reads back writes back to the same rows.
func FuzzReadCSV(f *testing.F) {
	head := strings.Join(Columns, ",") + "\n"
	f.Add([]byte(head))
	f.Add([]byte(head + "s1,4,9,g1,8ball,2,ann,2026-03-01T20:00:00Z,2026-03-01T20:00:03Z,2.5,shot,false,3,3,corner-top-right,3,corner-top-right,true,true,1,3:corner-top-right,false,,true,false,true,ann,false,22.5,0.8,1,0.5,1.9,0.8,1.8,0.85,11.2,0.4,2.1,true,true,,0\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		shots, err := ReadCSV(bytes.NewReader(b))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		e, _ := NewExporter(FormatCSV, &buf)
		e.Begin(ExportMeta{})
		for i := range shots {
			e.Write(&shots[i])
		}
		e.End()
		again, err := ReadCSV(&buf)
		if err != nil || len(again) != len(shots) {
			t.Fatalf("re-read: %d shots, %v (from %d)", len(again), err, len(shots))
		}
		for i := range again {
			if a, b := strings.Join(CSVRow(&again[i], nil), ","), strings.Join(CSVRow(&shots[i], nil), ","); a != b {
				t.Fatalf("row %d changed:\n%s\n%s", i, a, b)
			}
		}
	})
}

// FuzzParseCursor: a cursor that parses prints back the same.
func FuzzParseCursor(f *testing.F) {
	f.Add("1772395965100000000.812")
	f.Add("1.1")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCursor(s)
		if err != nil {
			return
		}
		if c2, err := ParseCursor(c.String()); err != nil || *c2 != *c {
			t.Fatalf("%q -> %v -> %v, %v", s, c, c2, err)
		}
	})
}
