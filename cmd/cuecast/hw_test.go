package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cuecast/cuecast/hw/pjlink/pjlinktest"
)

func runHWCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := hwMain(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestHWProjectorCLI(t *testing.T) {
	p := pjlinktest.New()
	p.Password = "s3cret"
	p.WarmUp = 0 // the CLI test waits in real time: no warm-up
	addr, err := p.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	dir := t.TempDir()
	pw := filepath.Join(dir, "pjlink.pass")
	os.WriteFile(pw, []byte("s3cret\n"), 0o600)
	cfg := filepath.Join(dir, "cuecast.toml")
	os.WriteFile(cfg, []byte("[hw.projector]\naddress = \""+addr+"\"\npassword_file = \""+pw+"\"\n"), 0o600)

	code, out, errs := runHWCLI(t, "-config", cfg, "projector", "on")
	if code != 0 || !strings.Contains(out, "power: on") || p.Power() != 1 {
		t.Fatalf("projector on = %d, %q, %q; state %d", code, out, errs, p.Power())
	}
	p.SetErrors("002000")
	code, out, _ = runHWCLI(t, "-config", cfg, "projector", "status")
	if code != 1 || !strings.Contains(out, "temperature: error") || !strings.Contains(out, "(fake projector)") {
		t.Fatalf("status with a temperature error = %d, %q", code, out)
	}
	// A wrong password file is named in the error.
	bad := filepath.Join(dir, "bad.pass")
	os.WriteFile(bad, []byte("nope"), 0o600)
	code, _, errs = runHWCLI(t, "-config", cfg, "projector", "-password-file", bad, "status")
	if code != 1 || !strings.Contains(errs, "ERRA") {
		t.Fatalf("status with a wrong password = %d, %q", code, errs)
	}
}

func TestHWCLIUsage(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.toml")
	os.WriteFile(empty, nil, 0o600)
	for _, args := range [][]string{
		{},
		{"-config", empty, "frobnicate"},
		{"-config", empty, "projector"},
		{"-config", empty, "projector", "status"},               // no address configured
		{"-config", empty, "projector", "reboot", "-addr", "x"}, // unknown verb
		{"-config", empty, "led-test"},                          // no strip configured
		{"-config", empty, "led-test", "-driver", "neopixel", "-count", "3"},
		{"-config", filepath.Join(t.TempDir(), "missing.toml"), "list"},
	} {
		if code, _, _ := runHWCLI(t, args...); code != 2 {
			t.Errorf("cuecast hw %q = %d, want 2", args, code)
		}
	}
}
