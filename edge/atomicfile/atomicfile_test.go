package atomicfile_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cuecast/cuecast/edge/atomicfile"
)

func TestWriteReplacesWhole(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "cuecast.toml")
	if err := os.WriteFile(p, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.Write(p, []byte("new contents"), 0o640); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	st, _ := os.Stat(p)
	if string(b) != "new contents" || st.Mode().Perm() != 0o640 {
		t.Errorf("after Write: %q mode %v, want the new contents, 0640", b, st.Mode().Perm())
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("directory holds %d entries after Write, want 1 (no temp left)", len(ents))
	}
}

func TestAbortLeavesTarget(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "state.json")
	os.WriteFile(p, []byte("keep"), 0o600)
	f, err := atomicfile.Create(p, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("half"))
	f.Abort()
	f.Abort()
	if err := f.Commit(); err == nil {
		t.Error("Commit after Abort succeeded")
	}
	if b, _ := os.ReadFile(p); string(b) != "keep" {
		t.Errorf("target after Abort = %q, want keep", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d entries after Abort, want 1", len(ents))
	}
}

func TestWriteIntoMissingDirFails(t *testing.T) {
	p := filepath.Join(t.TempDir(), "gone", "x.json")
	if err := atomicfile.Write(p, []byte("x"), 0o600); err == nil {
		t.Fatal("Write into a missing directory succeeded")
	}
}

// A crash between Create and Commit leaves a temp file; RemoveTemps clears
// exactly those of the target.
func TestRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "alerts.json")
	f, err := atomicfile.Create(p, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.Close() // "crash": never committed nor aborted
	other := filepath.Join(dir, ".other.json.tmp-1")
	os.WriteFile(other, nil, 0o600)
	removed, err := atomicfile.RemoveTemps(p)
	if err != nil || len(removed) != 1 || removed[0] != f.Name() {
		t.Fatalf("RemoveTemps = %v, %v; want [%s]", removed, err, f.Name())
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another file's temp was removed: %v", err)
	}
	if r, err := atomicfile.RemoveTemps(filepath.Join(dir, "nodir", "x")); err != nil || r != nil {
		t.Errorf("RemoveTemps in a missing dir = %v, %v", r, err)
	}
}
