package update

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInstallWritesInactiveSlot(t *testing.T) {
	f := newFixture(t)
	path, m := f.bundle(t, f.priv, 200_000)
	slotA, _ := os.ReadFile(f.slots[SlotA])

	r, err := f.installer(SlotA).Install(context.Background(), path)
	if err != nil {
		t.Fatalf("Install = %v", err)
	}
	if r.Slot != SlotB || r.Entry != "cuecast-2-b+3.conf" || r.Version != "2.0" {
		t.Errorf("Install = %+v, want slot b, entry cuecast-2-b+3.conf, version 2.0", r)
	}
	root, _ := os.ReadFile(filepath.Join(f.dir, "root.img"))
	b, _ := os.ReadFile(f.slots[SlotB])
	if len(b) != slotSize {
		t.Fatalf("slot b is %d bytes after install, want the device size %d", len(b), slotSize)
	}
	if !bytes.Equal(b[:len(root)], root) {
		t.Error("slot b does not start with root.img")
	}
	if a, _ := os.ReadFile(f.slots[SlotA]); !bytes.Equal(a, slotA) {
		t.Error("the running slot a was written")
	}
	for name, src := range map[string]string{"vmlinuz": "vmlinuz", "initrd.img": "initrd.img"} {
		got, _ := os.ReadFile(filepath.Join(f.esp, "cuecast", "b", name))
		want, _ := os.ReadFile(filepath.Join(f.dir, src))
		if !bytes.Equal(got, want) {
			t.Errorf("ESP cuecast/b/%s differs from the bundle's", name)
		}
	}
	conf, err := os.ReadFile(filepath.Join(entriesDir(f.esp), "cuecast-2-b+3.conf"))
	must(t, err)
	opts := entryField(string(conf), "options")
	if want := "root=PARTLABEL=cuecast-root-b ro quiet systemd.machine_id=0123456789abcdef0123456789abcdef"; opts != want {
		t.Errorf("new entry options = %q, want %q", opts, want)
	}
	es, err := ListEntries(f.esp)
	must(t, err)
	if len(es) != 2 || es[0].Name() != "cuecast-2-b+3.conf" || es[1].Name() != "cuecast-1-a.conf" {
		t.Errorf("entries in boot order = %v, want the new trial entry first, then the good one", es)
	}
	_ = m
}

// A bundle that fails verification changes nothing at all: not the slot,
// not the ESP, not even the old entry of the slot it would have replaced.
func TestInstallRefusedBeforeWriting(t *testing.T) {
	f := newFixture(t)
	f.writeEntry(t, "cuecast-1-b.conf", entryConf(SlotB, "0.9", "ro", ""))
	// Make slot b the inactive one with an entry: boot from a (seq 2).
	must(t, os.Rename(filepath.Join(entriesDir(f.esp), "cuecast-1-a.conf"), filepath.Join(entriesDir(f.esp), "cuecast-2-a.conf")))
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)

	good, _ := f.bundle(t, f.priv, 100_000)
	gb, _ := os.ReadFile(good)
	tampered := bytes.Clone(gb)
	tampered[len(tampered)-2048] ^= 0xff // inside root.img's data
	tamperedPath := writeTemp(t, f.dir, "tampered.bundle", tampered)
	foreign, _ := f.bundle(t, otherKey, 100_000)
	foreignPath := filepath.Join(f.dir, "foreign.bundle")
	must(t, os.Rename(foreign, foreignPath))
	tooBig, _ := f.bundle(t, f.priv, slotSize+1)

	for _, c := range []struct{ name, path, want string }{
		{"bad signature", foreignPath, "signature does not verify"},
		{"wrong hash", tamperedPath, "sha256"},
		{"root larger than the slot", tooBig, "holds"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := f.snapshot(t)
			_, err := f.installer(SlotA).Install(context.Background(), c.path)
			var re *RejectedError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Install = %v, want a *RejectedError mentioning %q", err, c.want)
			}
			sameSnapshot(t, before, f.snapshot(t))
		})
	}
}

// A bundle that changes between the verifying pass and the writing pass is
// written (the slot is inactive) but never gets a boot entry.
func TestInstallBundleChangedUnderneath(t *testing.T) {
	f := newFixture(t)
	path, _ := f.bundle(t, f.priv, 100_000)
	in := f.installer(SlotA)
	in.afterVerify = func() {
		b, _ := os.ReadFile(path)
		b[len(b)-2048] ^= 0xff
		must(t, os.WriteFile(path, b, 0o644))
	}
	_, err := in.Install(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), "changed while being installed") {
		t.Fatalf("Install = %v, want 'changed while being installed'", err)
	}
	es, _ := ListEntries(f.esp)
	for _, e := range es {
		if e.Slot == SlotB {
			t.Errorf("entry %s points at the half-trusted slot b", e.Name())
		}
	}
	if matches, _ := filepath.Glob(filepath.Join(f.esp, "cuecast", "b", ".*")); len(matches) != 0 {
		t.Errorf("temporary files left on the ESP: %v", matches)
	}
}

func TestInstallRefusesWhileRunningSlotOnTrial(t *testing.T) {
	f := newFixture(t)
	f.writeEntry(t, "cuecast-2-b+2-1.conf", entryConf(SlotB, "2.0", "ro", ""))
	path, _ := f.bundle(t, f.priv, 10_000)
	before := f.snapshot(t)
	_, err := f.installer(SlotB).Install(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), "still on trial") {
		t.Fatalf("Install while slot b is on trial = %v, want a refusal", err)
	}
	sameSnapshot(t, before, f.snapshot(t))
}

func TestInstallSequenceAndReplace(t *testing.T) {
	f := newFixture(t)
	in := f.installer(SlotA)
	path, _ := f.bundle(t, f.priv, 10_000)
	_, err := in.Install(context.Background(), path)
	must(t, err)
	// Installing again before rebooting replaces the trial entry of b.
	r, err := in.Install(context.Background(), path)
	must(t, err)
	if r.Entry != "cuecast-3-b+3.conf" {
		t.Errorf("second install entry = %s, want cuecast-3-b+3.conf", r.Entry)
	}
	es, _ := ListEntries(f.esp)
	if len(es) != 2 {
		t.Errorf("entries = %v, want one per slot", es)
	}
}

func TestCurrentSlot(t *testing.T) {
	for _, c := range []struct {
		cmdline string
		want    Slot
	}{
		{"root=PARTLABEL=cuecast-root-a ro console=ttyS0", SlotA},
		{"BOOT_IMAGE=x ro root=PARTLABEL=cuecast-root-b", SlotB},
		{"root=/dev/sda1", ""},
		{"root=PARTLABEL=cuecast-root-c", ""},
	} {
		got, err := CurrentSlot(c.cmdline)
		if got != c.want || (c.want == "") != (err != nil) {
			t.Errorf("CurrentSlot(%q) = %q, %v; want %q", c.cmdline, got, err, c.want)
		}
	}
}

// The CLI follows symlinks (/dev/disk/by-id/...); the spool does not.
func TestInstallFollowsSymlinkOutsideSpool(t *testing.T) {
	f := newFixture(t)
	path, _ := f.bundle(t, f.priv, 10_000)
	link := filepath.Join(f.dir, "link.bundle")
	must(t, os.Symlink(path, link))
	if _, err := f.installer(SlotA).Install(context.Background(), link); err != nil {
		t.Fatalf("Install(symlink to a bundle) = %v", err)
	}
}
