package main

import (
	"os"
	"reflect"
	"regexp"
	"testing"

	toml "github.com/pelletier/go-toml/v2"

	"github.com/cuecast/cuecast/edge/config"
)

// The example file, uncommented, is a valid config equal to the defaults:
// it cannot drift from what the daemon really does.
func TestExampleRoundTrips(t *testing.T) {
	b, err := toml.Marshal(config.Default())
	if err != nil {
		t.Fatal(err)
	}
	ex := annotate(string(b))
	uncommented := regexp.MustCompile(`(?m)^# ([a-z_]+ = )`).ReplaceAllString(ex, "$1")
	got, err := config.Parse("example.toml", []byte(uncommented))
	if err != nil {
		t.Fatalf("uncommented example does not parse: %v", err)
	}
	if want := config.Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("uncommented example = %+v\nwant the defaults %+v", got, want)
	}
	if n := len(regexp.MustCompile(`(?m)^# [a-z_]+ = `).FindAllString(ex, -1)); n < 40 {
		t.Errorf("example shows only %d keys", n)
	}
}

// docs/cuecast.example.toml is `cuecast config example`: keep them equal.
func TestExampleFileUpToDate(t *testing.T) {
	b, err := toml.Marshal(config.Default())
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../docs/cuecast.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != annotate(string(b)) {
		t.Error("docs/cuecast.example.toml is stale: go run ./cmd/cuecast config example > docs/cuecast.example.toml")
	}
}

// Field probe: `cuecast config check /dev/zero` read without end.
func TestConfigCheckDevZeroIsBounded(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	if code := checkConfig("/dev/zero"); code != 2 {
		t.Errorf("config check /dev/zero: exit %d, want 2", code)
	}
}
