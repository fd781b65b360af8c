package update

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// fixture is a fake box: an ESP directory and two slot "devices" (fixed-size
// files), booted from slot a.
type fixture struct {
	dir, esp string
	pub      ed25519.PublicKey
	priv     ed25519.PrivateKey
	slots    map[Slot]string
}

const slotSize = 1 << 20

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	f := &fixture{dir: dir, esp: filepath.Join(dir, "esp"), pub: pub, priv: priv, slots: map[Slot]string{}}
	must(t, os.MkdirAll(entriesDir(f.esp), 0o755))
	for _, s := range []Slot{SlotA, SlotB} {
		p := filepath.Join(dir, "slot-"+string(s))
		must(t, os.WriteFile(p, bytes.Repeat([]byte(s), slotSize), 0o644))
		f.slots[s] = p
	}
	f.writeEntry(t, "cuecast-1-a.conf", entryConf(SlotA, "1.0", "ro quiet", "0123456789abcdef0123456789abcdef"))
	return f
}

func (f *fixture) writeEntry(t *testing.T, name, conf string) {
	t.Helper()
	must(t, os.WriteFile(filepath.Join(entriesDir(f.esp), name), []byte(conf), 0o644))
}

func (f *fixture) installer(cur Slot) *Installer {
	return &Installer{ESP: f.esp, Device: func(s Slot) string { return f.slots[s] }, Current: cur, PublicKey: f.pub}
}

// payloads makes kernel, initrd and root files of the given root size.
func (f *fixture) payloads(t *testing.T, rootSize int) (kernel, initrd, root string) {
	t.Helper()
	for _, p := range []struct {
		name string
		n    int
		out  *string
	}{{"vmlinuz", 3000, &kernel}, {"initrd.img", 2000, &initrd}, {"root.img", rootSize, &root}} {
		b := make([]byte, p.n)
		rand.Read(b)
		*p.out = filepath.Join(f.dir, p.name)
		must(t, os.WriteFile(*p.out, b, 0o644))
	}
	return
}

// bundle makes a correctly signed bundle and returns its path and manifest.
func (f *fixture) bundle(t *testing.T, key ed25519.PrivateKey, rootSize int) (string, *Manifest) {
	t.Helper()
	k, i, r := f.payloads(t, rootSize)
	path := filepath.Join(f.dir, "good.bundle")
	out, err := os.Create(path)
	must(t, err)
	defer out.Close()
	m, err := Create(out, key, "2.0", "ro quiet", k, i, r)
	must(t, err)
	return path, m
}

// rawBundle writes a bundle from parts that need not agree.
func (f *fixture) rawBundle(t *testing.T, name string, manifest, sig []byte, m *Manifest, payloads [][]byte) string {
	t.Helper()
	var rs []io.Reader
	for _, p := range payloads {
		rs = append(rs, bytes.NewReader(p))
	}
	var buf bytes.Buffer
	must(t, writeBundle(&buf, manifest, sig, m, rs))
	path := filepath.Join(f.dir, name)
	must(t, os.WriteFile(path, buf.Bytes(), 0o644))
	return path
}

// snapshot records every file under the fixture (names and contents except
// the bundles), to prove a refused install changed nothing.
func (f *fixture) snapshot(t *testing.T) map[string]string {
	t.Helper()
	snap := map[string]string{}
	roots := []string{f.esp, f.slots[SlotA], f.slots[SlotB]}
	for _, r := range roots {
		must(t, filepath.WalkDir(r, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				snap[p] = "dir"
				return nil
			}
			b, err := os.ReadFile(p)
			snap[p] = string(b)
			return err
		}))
	}
	return snap
}

func sameSnapshot(t *testing.T, before, after map[string]string) {
	t.Helper()
	for p, v := range before {
		if w, ok := after[p]; !ok {
			t.Errorf("%s disappeared", p)
		} else if v != w {
			t.Errorf("%s changed", p)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s appeared", p)
		}
	}
}

func manifestBytes(t *testing.T, m *Manifest) []byte {
	t.Helper()
	b, err := json.Marshal(m)
	must(t, err)
	return b
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
