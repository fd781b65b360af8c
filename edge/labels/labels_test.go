package labels

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cuecast/cuecast/edge/model"
)

func intp(n int) *int { return &n }

const sum0 = "a4338b63752057d1f79dea3f0eb2796d4d926a47708d537551e79cd373e77a70"

func sampleSet() *Set {
	return &Set{Source: "overhead/x", BallSet: BallSetUS, Notes: "test", Frames: []Frame{{
		Image: "overhead/x/a.jpg", SHA256: sum0, Width: 1920, Height: 1080,
		Table: &Table{Corners: [4]model.Pixel{{X: 40, Y: 940}, {X: 1830, Y: 1011}, {X: 1905, Y: 97}, {X: 22, Y: 42}}},
		Balls: []Ball{
			{X: 100.123, Y: 200.456, R: 19, Class: model.ClassCue, Number: intp(0)},
			{X: 300, Y: 200, R: 19, Class: model.ClassStripe, Number: intp(12), Occluded: true, Note: "band hidden"},
			{X: 500, Y: 200, R: 19, Class: ClassOther},
		},
	}, {
		Image: "overhead/x/v.mp4", SHA256: sum0, VideoFrame: intp(25), Width: 1920, Height: 1080, Empty: true, Balls: []Ball{},
	}}}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	s := sampleSet()
	var b bytes.Buffer
	if err := s.Encode(&b); err != nil {
		t.Fatal(err)
	}
	// One ball per line.
	if n := strings.Count(b.String(), `"class"`); n != 3 || strings.Count(b.String(), "\n   {\"x\"") != 3 {
		t.Errorf("encoded balls not one per line:\n%s", b.String())
	}
	got, err := Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	s.Frames[0].Balls[0].X, s.Frames[0].Balls[0].Y = 100.12, 200.46 // rounded to 0.01 px
	if !reflect.DeepEqual(got, s) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, s)
	}
	if k := got.Frames[1].Key(); k != "overhead/x/v.mp4#25" {
		t.Errorf("Key() = %q, want overhead/x/v.mp4#25", k)
	}
}

func TestValidateRefuses(t *testing.T) {
	cases := []struct {
		name string
		edit func(s *Set)
		want string
	}{
		{"ball set", func(s *Set) { s.BallSet = "pool" }, "ball_set"},
		{"absolute path", func(s *Set) { s.Frames[0].Image = "/etc/passwd" }, "relative"},
		{"escaping path", func(s *Set) { s.Frames[0].Image = "../x.jpg" }, "relative"},
		{"sha", func(s *Set) { s.Frames[0].SHA256 = "abc" }, "sha256"},
		{"size", func(s *Set) { s.Frames[0].Width = 0 }, "size"},
		{"empty with balls", func(s *Set) { s.Frames[0].Empty = true }, "empty"},
		{"class", func(s *Set) { s.Frames[0].Balls[0].Class = "red" }, "class"},
		{"number vs class", func(s *Set) { s.Frames[0].Balls[0].Number = intp(3) }, "is a solid"},
		{"number range", func(s *Set) { s.Frames[0].Balls[2].Number = intp(16) }, "number 16"},
		{"radius", func(s *Set) { s.Frames[0].Balls[0].R = 0 }, "radius"},
		{"outside", func(s *Set) { s.Frames[0].Balls[0].X = 5000 }, "outside"},
		{"corner order", func(s *Set) {
			c := &s.Frames[0].Table.Corners
			c[1], c[3] = c[3], c[1]
		}, "order"},
		{"pockets", func(s *Set) { s.Frames[0].Table.Pockets = []model.Pixel{{X: 1, Y: 1}} }, "pockets"},
		{"twice", func(s *Set) { s.Frames[1].Image, s.Frames[1].VideoFrame = s.Frames[0].Image, nil }, "twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := sampleSet()
			c.edit(s)
			err := s.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Validate() = %v, want an error containing %q", err, c.want)
			}
		})
	}
	if err := sampleSet().Validate(); err != nil {
		t.Errorf("valid set: %v", err)
	}
}

func TestDecodeRefusesUnknownFields(t *testing.T) {
	_, err := Decode(strings.NewReader(`{"source":"x","ball_set":"us","frames":[],"colour":1}`))
	if err == nil || !strings.Contains(err.Error(), "colour") {
		t.Errorf("Decode(unknown field) = %v, want an error naming it", err)
	}
}

func TestSaveIsAtomicAndVerify(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "overhead", "x", "a.jpg")
	if err := os.MkdirAll(filepath.Dir(img), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(img, []byte("picture"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := sampleSet()
	s.Frames = s.Frames[:1]
	sum, err := FileSHA256(img)
	if err != nil {
		t.Fatal(err)
	}
	s.Frames[0].SHA256 = sum
	path := filepath.Join(dir, "x.json")
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(dir); err != nil {
		t.Errorf("Verify: %v", err)
	}
	// A bad set is refused and the file on disk is untouched.
	before, _ := os.ReadFile(path)
	bad := sampleSet()
	bad.BallSet = ""
	if err := bad.Save(path); err == nil {
		t.Error("Save(invalid set) succeeded")
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("a refused Save changed the file")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".x.json.tmp*")); len(left) != 0 {
		t.Errorf("temp files left: %v", left)
	}
	// A changed picture is noticed.
	if err := os.WriteFile(img, []byte("another picture"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(dir); err == nil || !strings.Contains(err.Error(), "changed") {
		t.Errorf("Verify(changed file) = %v, want a changed-file error", err)
	}
}
