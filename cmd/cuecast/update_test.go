package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
	m := bundleManifest(t, key, out, "--key", key, "--root", filepath.Join(dir, "root.img"), "-o", out)
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

// cuecast bundle signs the dm-verity parameters it finds beside the root
// (ROOT.img.verity, as image/verity.sh writes them), and refuses to sign
// parameters that do not match the root's hash tree.
func TestBundleCommandVerity(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "k.pem")
	if rc := runBundle([]string{"-genkey", key}); rc != 0 {
		t.Fatalf("bundle -genkey = %d", rc)
	}
	data := bytes.Repeat([]byte("squashfs"), 3*update.VerityBlockSize/8)
	tree, v, err := update.ComputeVerity(bytes.NewReader(data), 3, []byte("salt"))
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "root.img")
	for name, content := range map[string][]byte{
		"root.img": append(data, tree...), "vmlinuz": []byte("kernel"), "initrd.img": []byte("initrd"),
		"version": []byte("7.2\n"), "cmdline": []byte("ro\n"),
		"root.img.verity": []byte(fmt.Sprintf(`{"hash_algorithm":"sha256","data_blocks":3,"root_hash":%q,"salt":%q}`, v.RootHash, v.Salt)),
		"wrong.verity":    []byte(fmt.Sprintf(`{"hash_algorithm":"sha256","data_blocks":3,"root_hash":%q,"salt":%q}`, strings.Repeat("ab", 32), v.Salt)),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "v.bundle")
	m := bundleManifest(t, key, out, "-key", key, "-root", root, "-o", out)
	if m.Verity == nil || *m.Verity != *v {
		t.Errorf("manifest verity = %+v, want %+v", m.Verity, v)
	}
	bad := filepath.Join(dir, "bad.bundle")
	if rc := runBundle([]string{"-key", key, "-root", root, "-verity", filepath.Join(dir, "wrong.verity"), "-o", bad}); rc != 1 {
		t.Errorf("bundle with a wrong root hash = %d, want 1", rc)
	}
	if _, err := os.Stat(bad); err == nil {
		t.Error("a bundle was written for a wrong root hash")
	}
	if rc := runBundle([]string{"-key", key, "-root", root, "-verity", "none", "-o", bad}); rc != 0 {
		t.Errorf("bundle -verity none = %d, want 0", rc)
	}
}

// bundleManifest runs `cuecast bundle args...`, which must succeed and
// write out, and returns out's manifest as verified with key's public half.
func bundleManifest(t *testing.T, key, out string, args ...string) *update.Manifest {
	t.Helper()
	if rc := runBundle(args); rc != 0 {
		t.Fatalf("bundle %v = %d", args, rc)
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
	return m
}
