package update

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/cuecast/cuecast/edge/atomicfile"
)

// Slot is a root slot: "a" or "b".
type Slot string

// The two slots.
const (
	SlotA Slot = "a"
	SlotB Slot = "b"
)

// Other returns the other slot.
func (s Slot) Other() Slot {
	if s == SlotA {
		return SlotB
	}
	return SlotA
}

// PartLabel is the GPT partition label of the slot's root.
func (s Slot) PartLabel() string { return "cuecast-root-" + string(s) }

// Entry is one cuecast boot loader entry file on the ESP
// (loader/entries/cuecast-SEQ-SLOT[+LEFT[-DONE]].conf, the Boot Loader
// Specification's boot counting names). Seq orders entries: systemd-boot
// sorts entry ids in descending version order, so without a configured
// default it boots the highest sequence number that still has tries left.
type Entry struct {
	Seq     int
	Slot    Slot
	Counted bool // the name carries a counter: a trial boot not yet blessed
	Left    int  // tries left (Counted only)
	Done    int  // tries used (Counted only)
}

var entryRE = regexp.MustCompile(`^cuecast-([1-9][0-9]{0,8})-([ab])(?:\+([0-9]{1,4})(?:-([0-9]{1,4}))?)?\.conf$`)

// ParseEntryName parses an entry file name; ok is false for other files.
func ParseEntryName(name string) (e Entry, ok bool) {
	m := entryRE.FindStringSubmatch(name)
	if m == nil {
		return Entry{}, false
	}
	e.Seq, _ = strconv.Atoi(m[1])
	e.Slot = Slot(m[2])
	if m[3] != "" {
		e.Counted = true
		e.Left, _ = strconv.Atoi(m[3])
		if m[4] != "" {
			e.Done, _ = strconv.Atoi(m[4])
		}
	}
	return e, true
}

// Name is the entry's file name.
func (e Entry) Name() string {
	n := fmt.Sprintf("cuecast-%d-%s", e.Seq, e.Slot)
	if e.Counted {
		n += "+" + strconv.Itoa(e.Left)
		if e.Done > 0 {
			n += "-" + strconv.Itoa(e.Done)
		}
	}
	return n + ".conf"
}

// Good: blessed (no counter). Bad: counted with no tries left.
func (e Entry) Good() bool { return !e.Counted }
func (e Entry) Bad() bool  { return e.Counted && e.Left == 0 }

// State is "good", "bad" or "trial (N tries left)".
func (e Entry) State() string {
	switch {
	case e.Good():
		return "good"
	case e.Bad():
		return "bad"
	}
	return fmt.Sprintf("trial (%d tries left, %d used)", e.Left, e.Done)
}

// entriesDir is where entries live on the ESP.
func entriesDir(esp string) string { return filepath.Join(esp, "loader", "entries") }

// ListEntries returns the cuecast entries on the ESP in systemd-boot's boot
// order: entries with tries left (or blessed) by descending sequence, then
// bad ones. The first is what the next boot starts.
func ListEntries(esp string) ([]Entry, error) {
	des, err := os.ReadDir(entriesDir(esp))
	if err != nil {
		return nil, fmt.Errorf("update: list boot entries: %w (is the ESP mounted on %s?)", err, esp)
	}
	var es []Entry
	for _, de := range des {
		if e, ok := ParseEntryName(de.Name()); ok && de.Type().IsRegular() {
			es = append(es, e)
		}
	}
	sort.Slice(es, func(i, j int) bool {
		if es[i].Bad() != es[j].Bad() {
			return !es[i].Bad()
		}
		return es[i].Seq > es[j].Seq
	})
	return es, nil
}

// entryConf is the text of an entry file.
func entryConf(slot Slot, version, cmdline, machineID string) string {
	opts := "root=PARTLABEL=" + slot.PartLabel()
	if cmdline != "" {
		opts += " " + cmdline
	}
	if machineID != "" {
		opts += " systemd.machine_id=" + machineID
	}
	return fmt.Sprintf("title cuecast %s (slot %s)\nversion %s\nlinux /cuecast/%s/vmlinuz\ninitrd /cuecast/%s/initrd.img\noptions %s\n",
		version, slot, version, slot, slot, opts)
}

// entryField returns the value of the first line "key value" in an entry.
func entryField(conf, key string) string {
	for _, line := range strings.Split(conf, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), " ")
		if ok && k == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// optionValue returns the value of key= among the options, "" if absent.
func optionValue(options, key string) string {
	for _, w := range strings.Fields(options) {
		if v, ok := strings.CutPrefix(w, key+"="); ok {
			return v
		}
	}
	return ""
}

var machineIDRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// PinMachineID adds systemd.machine_id=id to every cuecast entry that has no
// machine id yet and returns how many it changed. With a read-only root the
// id would otherwise change every boot, and with it the journal's directory.
func PinMachineID(esp, id string) (int, error) {
	id = strings.TrimSpace(id)
	if !machineIDRE.MatchString(id) {
		return 0, fmt.Errorf("update: pin machine id: %q is not 32 lower-case hex digits", id)
	}
	es, err := ListEntries(esp)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range es {
		path := filepath.Join(entriesDir(esp), e.Name())
		b, err := os.ReadFile(path)
		if err != nil {
			return n, fmt.Errorf("update: pin machine id: %w", err)
		}
		conf := string(b)
		opts := entryField(conf, "options")
		if optionValue(opts, "systemd.machine_id") != "" {
			continue
		}
		var out []string
		for _, line := range strings.Split(strings.TrimRight(conf, "\n"), "\n") {
			if k, _, _ := strings.Cut(strings.TrimSpace(line), " "); k == "options" {
				line = "options " + opts + " systemd.machine_id=" + id
			}
			out = append(out, line)
		}
		if err := writeFileAtomic(path, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
			return n, fmt.Errorf("update: pin machine id: %w", err)
		}
		n++
	}
	return n, nil
}

// machineIDFromEntries returns the pinned machine id of any entry, "" if none.
func machineIDFromEntries(esp string, es []Entry) string {
	for _, e := range es {
		b, err := os.ReadFile(filepath.Join(entriesDir(esp), e.Name()))
		if err != nil {
			continue
		}
		if id := optionValue(entryField(string(b), "options"), "systemd.machine_id"); machineIDRE.MatchString(id) {
			return id
		}
	}
	return ""
}

// writeFileAtomic writes via a temporary file in the same directory, syncs
// it, renames it over path and syncs the directory, so a power cut leaves
// the old or the new file, never a torn one.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	return atomicfile.Write(path, data, perm)
}

func syncDir(dir string) error { return atomicfile.SyncDir(dir) }
