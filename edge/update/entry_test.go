package update

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEntryNames(t *testing.T) {
	for _, c := range []struct {
		name  string
		ok    bool
		want  Entry
		state string
	}{
		{"cuecast-1-a.conf", true, Entry{Seq: 1, Slot: SlotA}, "good"},
		{"cuecast-12-b+3.conf", true, Entry{Seq: 12, Slot: SlotB, Counted: true, Left: 3}, "trial (3 tries left, 0 used)"},
		{"cuecast-12-b+1-2.conf", true, Entry{Seq: 12, Slot: SlotB, Counted: true, Left: 1, Done: 2}, "trial (1 tries left, 2 used)"},
		{"cuecast-12-b+0-3.conf", true, Entry{Seq: 12, Slot: SlotB, Counted: true, Left: 0, Done: 3}, "bad"},
		{"cuecast-0-a.conf", false, Entry{}, ""},
		{"cuecast-1-c.conf", false, Entry{}, ""},
		{"debian-1-a.conf", false, Entry{}, ""},
		{"cuecast-1-a.conf.tmp", false, Entry{}, ""},
	} {
		e, ok := ParseEntryName(c.name)
		if ok != c.ok || e != c.want {
			t.Errorf("ParseEntryName(%q) = %+v, %v; want %+v, %v", c.name, e, ok, c.want, c.ok)
			continue
		}
		if !ok {
			continue
		}
		if e.Name() != c.name {
			t.Errorf("Entry(%q).Name() = %q", c.name, e.Name())
		}
		if e.State() != c.state {
			t.Errorf("Entry(%q).State() = %q, want %q", c.name, e.State(), c.state)
		}
	}
}

// ListEntries orders like systemd-boot: newest first, entries out of tries
// after everything else, so a failed trial falls back to the previous slot.
func TestListEntriesBootOrder(t *testing.T) {
	esp := t.TempDir()
	must(t, os.MkdirAll(entriesDir(esp), 0o755))
	for _, n := range []string{"cuecast-2-a.conf", "cuecast-3-b+0-3.conf", "cuecast-1-b.conf", "other.conf"} {
		must(t, os.WriteFile(filepath.Join(entriesDir(esp), n), nil, 0o644))
	}
	es, err := ListEntries(esp)
	must(t, err)
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	if got, want := strings.Join(names, " "), "cuecast-2-a.conf cuecast-1-b.conf cuecast-3-b+0-3.conf"; got != want {
		t.Errorf("boot order = %s, want %s", got, want)
	}
}

func TestPinMachineID(t *testing.T) {
	esp := t.TempDir()
	must(t, os.MkdirAll(entriesDir(esp), 0o755))
	a := filepath.Join(entriesDir(esp), "cuecast-1-a.conf")
	b := filepath.Join(entriesDir(esp), "cuecast-2-b+3.conf")
	must(t, os.WriteFile(a, []byte(entryConf(SlotA, "1", "ro", "")), 0o644))
	must(t, os.WriteFile(b, []byte(entryConf(SlotB, "2", "ro", "ffffffffffffffffffffffffffffffff")), 0o644))
	id := "0123456789abcdef0123456789abcdef"
	if _, err := PinMachineID(esp, "not-an-id"); err == nil {
		t.Error("PinMachineID(bad id) = nil error")
	}
	n, err := PinMachineID(esp, id+"\n")
	if err != nil || n != 1 {
		t.Fatalf("PinMachineID = %d, %v; want 1 entry changed", n, err)
	}
	ca, _ := os.ReadFile(a)
	if got := optionValue(entryField(string(ca), "options"), "systemd.machine_id"); got != id {
		t.Errorf("slot a machine id = %q, want %q", got, id)
	}
	if !strings.HasPrefix(entryField(string(ca), "options"), "root=PARTLABEL=cuecast-root-a ro ") {
		t.Errorf("slot a options lost: %q", entryField(string(ca), "options"))
	}
	cb, _ := os.ReadFile(b)
	if got := optionValue(entryField(string(cb), "options"), "systemd.machine_id"); got != "ffffffffffffffffffffffffffffffff" {
		t.Errorf("an existing pin was overwritten: %q", got)
	}
	if n, _ := PinMachineID(esp, id); n != 0 {
		t.Errorf("second PinMachineID changed %d entries, want 0", n)
	}
}
