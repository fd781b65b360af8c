package outbox

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzOpen: any bytes in a segment file (a torn or corrupted disk) open
// without error or panic, and reading ends. Run: go test ./broker/outbox
// -run '^$' -fuzz FuzzOpen -fuzztime 30s
func FuzzOpen(f *testing.F) {
	good := encode(nil, rec(1))
	good = encode(good, rec(2))
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Add([]byte{200, 0, 0, 0, 1, 2})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, seg []byte) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "0000000000000000.seg"), seg, 0o640)
		os.WriteFile(filepath.Join(dir, "0000000000000100.seg"), good, 0o640)
		o, err := Open(Options{Dir: dir, MaxBytes: 1 << 20, SyncEvery: time.Second})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer o.Close()
		fromGood := 0
		for i := 0; ; i++ {
			e, ok, err := o.Next()
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if !ok {
				break
			}
			if i > len(seg)+10 {
				t.Fatal("Next does not end")
			}
			if e.Seq >= 0x100 {
				fromGood++
			}
			o.Commit(e.Seq)
		}
		// Corruption in one segment never costs another its records.
		if fromGood != 2 {
			t.Fatalf("read %d records of the intact segment, want 2", fromGood)
		}
		if _, err := o.Append(rec(3)); err != nil {
			t.Fatal(err)
		}
	})
}
