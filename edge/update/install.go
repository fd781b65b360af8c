package update

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cuecast/cuecast/edge/atomicfile"
)

// DefaultTries is how many boots a freshly installed slot gets to prove
// itself before systemd-boot goes back to the previous one.
const DefaultTries = 3

// Installer writes bundles into the inactive slot of a box.
type Installer struct {
	// ESP is where the EFI system partition is mounted ("/efi").
	ESP string
	// Device returns the block device of a slot's root partition
	// ("/dev/disk/by-partlabel/cuecast-root-b"); tests use plain files.
	Device func(Slot) string
	// Current is the slot the box runs from (CurrentSlot reads it).
	Current Slot
	// PublicKey is the key bundles must be signed with.
	PublicKey ed25519.PublicKey
	// Tries for the new entry (DefaultTries when 0).
	Tries int
	// RequireVerity refuses bundles whose root carries no dm-verity hash
	// tree: a box booted with a verified root (cuecast.verity= on its
	// command line) must not be updated to an unverified one.
	RequireVerity bool
	Log           *slog.Logger

	// afterVerify, if set, runs between the verifying and the writing pass
	// (tests change the bundle there).
	afterVerify func()
}

func (in *Installer) logger() *slog.Logger {
	if in.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return in.Log
}

// Result tells what Install did.
type Result struct {
	Slot     Slot          `json:"slot"`
	Version  string        `json:"version"`
	Entry    string        `json:"entry"`
	Tries    int           `json:"tries"`
	Duration time.Duration `json:"duration_ns"`
}

// DeviceByPartLabel is Installer.Device on a box: the udev symlink.
func DeviceByPartLabel(s Slot) string { return "/dev/disk/by-partlabel/" + s.PartLabel() }

// CurrentSlot reads the running slot from a kernel command line
// (/proc/cmdline's root=PARTLABEL=cuecast-root-X).
func CurrentSlot(cmdline string) (Slot, error) {
	root := optionValue(cmdline, "root")
	for _, s := range []Slot{SlotA, SlotB} {
		if root == "PARTLABEL="+s.PartLabel() {
			return s, nil
		}
	}
	return "", fmt.Errorf("update: this boot's root=%q is not a cuecast slot: cannot tell which slot is free (not booted from a cuecast image?)", root)
}

// Install verifies the bundle at path (a file or a block device; symlinks
// such as /dev/disk/by-id/... are followed) and, only if it is sound, writes
// it into the inactive slot and adds a counted boot entry for it. On any
// error no boot entry points at partially written data.
func (in *Installer) Install(ctx context.Context, path string) (*Result, error) {
	start := time.Now()
	f, err := openBundle(path, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return in.install(ctx, f, start)
}

// installSpooled is Install for a file in the daemon-writable spool: no
// symlinks, no devices.
func (in *Installer) installSpooled(ctx context.Context, path string) (*Result, error) {
	start := time.Now()
	f, err := openBundle(path, oNoFollow)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return in.install(ctx, f, start)
}

func (in *Installer) install(ctx context.Context, f *os.File, start time.Time) (*Result, error) {
	log := in.logger()
	if in.Current != SlotA && in.Current != SlotB {
		return nil, fmt.Errorf("update: install: current slot %q unknown", in.Current)
	}
	target := in.Current.Other()
	tries := in.Tries
	if tries == 0 {
		tries = DefaultTries
	}
	if tries < 1 || tries > 9 {
		return nil, fmt.Errorf("update: install: tries %d out of range 1..9", tries)
	}

	// Pass 1: read everything, write nothing.
	m, err := Verify(ctxReader{ctx, f}, in.PublicKey)
	if err != nil {
		return nil, err
	}
	if in.RequireVerity && m.Verity == nil {
		return nil, reject("root.img has no dm-verity hash tree and this box boots verified roots only (build the bundle with make image / cuecast bundle beside ROOT.img.verity)")
	}
	log.Info("update: bundle verified", "version", m.Version, "root_size", m.Root.Size, "root_sha256", m.Root.SHA256, "verity", m.Verity != nil, "slot", target)

	es, err := ListEntries(in.ESP)
	if err != nil {
		return nil, err
	}
	// Refuse to overwrite the fallback while the running slot is on trial:
	// if it then failed there would be nothing good left to boot.
	var running *Entry
	seq := 0
	for i, e := range es {
		seq = max(seq, e.Seq)
		if e.Slot == in.Current && (running == nil || e.Seq > running.Seq) {
			running = &es[i]
		}
	}
	if running != nil && running.Counted {
		return nil, fmt.Errorf("update: slot %s is still on trial (%s): wait until this boot is marked good (systemctl status systemd-bless-boot) before installing over slot %s", in.Current, running.Name(), target)
	}
	dev := in.Device(target)
	devSize, err := deviceSize(dev)
	if err != nil {
		return nil, err
	}
	if m.Root.Size > devSize {
		return nil, &RejectedError{fmt.Errorf("root.img is %d bytes, slot %s (%s) holds %d", m.Root.Size, target, dev, devSize)}
	}
	machineID := machineIDFromEntries(in.ESP, es)

	// From here on we write. First make the target unbootable.
	for _, e := range es {
		if e.Slot == target {
			if err := os.Remove(filepath.Join(entriesDir(in.ESP), e.Name())); err != nil {
				return nil, fmt.Errorf("update: remove old entry of slot %s: %w", target, err)
			}
			log.Info("update: removed boot entry of the slot being replaced", "entry", e.Name())
		}
	}
	if err := syncDir(entriesDir(in.ESP)); err != nil {
		return nil, fmt.Errorf("update: sync ESP: %w", err)
	}

	if in.afterVerify != nil {
		in.afterVerify()
	}
	// Pass 2: write while re-hashing; a bundle that changed since pass 1
	// fails here, before any entry points at what was written.
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("update: rewind bundle: %w", err)
	}
	w := &slotWriter{esp: in.ESP, slot: target, dev: dev}
	defer w.abort()
	if _, err := readBundle(ctxReader{ctx, f}, in.PublicKey, w.sink); err != nil {
		var re *RejectedError
		if errors.As(err, &re) {
			return nil, fmt.Errorf("update: bundle changed while being installed (slot %s left without boot entry): %w", target, err)
		}
		return nil, err
	}
	if err := w.commit(); err != nil {
		return nil, err
	}

	e := Entry{Seq: seq + 1, Slot: target, Counted: true, Left: tries}
	cmdline := m.Cmdline
	if m.Verity != nil {
		// The signed root hash: the initramfs maps the slot through
		// dm-verity with it (image/verity/).
		cmdline = strings.TrimSpace(cmdline + " " + m.Verity.CmdlineOption())
	}
	conf := entryConf(target, m.Version, cmdline, machineID)
	if err := writeFileAtomic(filepath.Join(entriesDir(in.ESP), e.Name()), []byte(conf), 0o644); err != nil {
		return nil, fmt.Errorf("update: write boot entry: %w", err)
	}
	r := &Result{Slot: target, Version: m.Version, Entry: e.Name(), Tries: tries, Duration: time.Since(start)}
	log.Info("update: installed; the next boot tries the new slot", "slot", target, "version", m.Version, "entry", e.Name(), "tries", tries, "duration", r.Duration)
	return r, nil
}

// slotWriter receives the payloads of pass 2: kernel and initrd go to
// temporary files on the ESP (renamed into place by commit), the root
// straight onto the slot's device.
type slotWriter struct {
	esp  string
	slot Slot
	dev  string

	tmps []*atomicfile.File // ESP files, put in place by commit
	root *os.File
}

func (w *slotWriter) sink(name string, p Payload) (io.Writer, error) {
	switch name {
	case memberKernel, memberInitrd:
		dir := filepath.Join(w.esp, "cuecast", string(w.slot))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("update: ESP: %w", err)
		}
		final := "vmlinuz"
		if name == memberInitrd {
			final = "initrd.img"
		}
		f, err := atomicfile.Create(filepath.Join(dir, final), 0o644)
		if err != nil {
			return nil, fmt.Errorf("update: ESP: %w (full? %d bytes needed)", err, p.Size)
		}
		w.tmps = append(w.tmps, f)
		return destWriter{f}, nil
	case memberRoot:
		// No O_TRUNC: a block device has a fixed size, and a test's slot
		// file plays one.
		f, err := os.OpenFile(w.dev, os.O_WRONLY, 0)
		if err != nil {
			return nil, fmt.Errorf("update: open slot %s: %w", w.slot, err)
		}
		w.root = f
		return destWriter{f}, nil
	}
	return nil, fmt.Errorf("update: unexpected payload %s", name)
}

func (w *slotWriter) commit() error {
	if w.root == nil || len(w.tmps) != 2 {
		return fmt.Errorf("update: internal: bundle payloads incomplete")
	}
	if err := w.root.Sync(); err != nil {
		return fmt.Errorf("update: sync slot %s: %w", w.slot, err)
	}
	if err := w.root.Close(); err != nil {
		return fmt.Errorf("update: close slot %s: %w", w.slot, err)
	}
	w.root = nil
	for _, f := range w.tmps {
		// Each: fsync, rename into place, fsync the directory.
		if err := f.Commit(); err != nil {
			return fmt.Errorf("update: %w", err)
		}
	}
	w.tmps = nil
	return nil
}

// abort closes and removes whatever commit did not take over.
func (w *slotWriter) abort() {
	if w.root != nil {
		w.root.Close()
	}
	for _, f := range w.tmps {
		f.Abort() // a no-op for those commit put in place
	}
}

// openBundle opens a bundle: a regular file or a block device, never a FIFO
// or character device that could block or stream forever. With oNoFollow
// (the spool, writable by the unprivileged daemon) only a regular file that
// is not a symlink is accepted.
func openBundle(path string, flags int) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|oNonBlock|flags, 0)
	if err != nil {
		return nil, fmt.Errorf("update: open bundle: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("update: open bundle: %w", err)
	}
	mode := st.Mode()
	blockDev := mode&os.ModeDevice != 0 && mode&os.ModeCharDevice == 0
	if !mode.IsRegular() && (!blockDev || flags&oNoFollow != 0) {
		f.Close()
		return nil, fmt.Errorf("update: %s is not a regular file or block device", path)
	}
	return f, nil
}

// deviceSize is the size of a block device (or of a test's slot file).
func deviceSize(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("update: slot device: %w (is the disk partitioned by the cuecast image?)", err)
	}
	defer f.Close()
	n, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, fmt.Errorf("update: slot device size: %w", err)
	}
	return n, nil
}

// ctxReader stops a long read when ctx is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// ReadCmdline returns /proc/cmdline without the trailing newline.
func ReadCmdline() (string, error) {
	b, err := os.ReadFile("/proc/cmdline")
	if err != nil {
		return "", fmt.Errorf("update: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}
