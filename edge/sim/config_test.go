package sim

import (
	"testing"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
)

// TestConfigAgrees checks that the names the config accepts are the ones
// the simulator knows, both ways, and that the defaults open.
func TestConfigAgrees(t *testing.T) {
	parse := func(doc string) error {
		_, err := config.Parse("test.toml", []byte(doc))
		return err
	}
	for name := range Felts {
		if err := parse("[source.sim]\nfelt = \"" + name + "\"\n"); err != nil {
			t.Errorf("config rejects felt %q that sim knows: %v", name, err)
		}
	}
	for name := range Lightings {
		if err := parse("[source.sim]\nlighting = \"" + name + "\"\n"); err != nil {
			t.Errorf("config rejects lighting %q that sim knows: %v", name, err)
		}
	}
	for name := range Looks {
		if err := parse("[source.sim]\nlook = \"" + name + "\"\n"); err != nil {
			t.Errorf("config rejects look %q that sim knows: %v", name, err)
		}
	}
	for name := range scenarios {
		if err := parse("[source]\nscenario = \"" + name + "\"\n"); err != nil {
			t.Errorf("config rejects scenario %q that sim knows: %v", name, err)
		}
	}
	for _, bad := range []string{"[source.sim]\nfelt = \"mauve\"\n", "[source.sim]\nlighting = \"disco\"\n", "[source]\nscenario = \"snooker\"\n", "[source.sim]\ntilt = 2.0\n", "[source.sim]\nlook = \"vhs\"\n"} {
		if parse(bad) == nil {
			t.Errorf("config accepts %q", bad)
		}
	}
	o := OptionsFromConfig(config.Default().Source, model.Table9ft)
	o.Width, o.Height = 160, 90 // the check, not the cost of a 720p background
	if _, err := Open(o); err != nil {
		t.Errorf("default config does not open: %v", err)
	}
	if o.Seed == 0 {
		t.Error("seed 0 in config was not replaced by a per-start seed")
	}
}

func TestParseStallAfter(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{{"", 0, true}, {"5", 5, true}, {"0", 0, false}, {"-1", 0, false}, {"x", 0, false}} {
		got, err := ParseStallAfter(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("ParseStallAfter(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
