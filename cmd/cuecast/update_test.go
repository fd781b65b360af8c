package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cuecast/cuecast/edge/update"
)

// cuecast bundle with only -key, -root and -o takes the rest from the files
// make image leaves beside root.img, and what it writes verifies.
func TestBundleCommand(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "k.pem")
	if rc := runBundle([]string{"-genkey", key}); rc != 0 {
		t.Fatalf("bundle -genkey = %d", rc)
	}
	for name, content := range map[string]string{
		"root.img": "squashfs-ish", "vmlinuz": "kernel", "initrd.img": "initrd",
		"version": "7.1\n", "cmdline": "ro quiet\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "x.bundle")
	if rc := runBundle([]string{"--key", key, "--root", filepath.Join(dir, "root.img"), "-o", out}); rc != 0 {
		t.Fatalf("bundle = %d", rc)
	}
	pub, err := update.LoadPublicKey(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := update.Verify(f, pub)
	if err != nil {
		t.Fatalf("Verify(bundle from the command) = %v", err)
	}
	if m.Version != "7.1" || m.Cmdline != "ro quiet" || m.Root.Size != int64(len("squashfs-ish")) {
		t.Errorf("manifest = %+v, want version 7.1, cmdline 'ro quiet', root of 12 bytes", m)
	}
	if rc := runBundle([]string{"-key", key, "-o", out}); rc != 2 {
		t.Errorf("bundle without -root = %d, want 2", rc)
	}
	if rc := runUpdate([]string{"-tries", "x"}); rc != 2 {
		t.Errorf("update -tries x = %d, want 2 (bad usage)", rc)
	}
}
