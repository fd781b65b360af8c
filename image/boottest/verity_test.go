package boottest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/cuecast/cuecast/edge/update"
)

// checkVerityRoot: the running root is the slot mapped through dm-verity
// with the root hash of the boot entry's command line, read-only, and no
// block read so far failed verification ("V" in dmsetup status; "C" would
// be a corruption seen). wantRootHash is checked when not empty.
func (v *vm) checkVerityRoot(when, slot, wantRootHash string) {
	v.t.Helper()
	cmdline := v.con.must("cat /proc/cmdline", shortCommand)
	vo, ok := update.ParseVerityOption(cmdline)
	if !ok {
		v.t.Errorf("%s: no cuecast.verity= on the kernel command line: %s", when, cmdline)
		return
	}
	if wantRootHash != "" && vo.RootHash != wantRootHash {
		v.t.Errorf("%s: root hash on the command line %s, the image's is %s", when, vo.RootHash, wantRootHash)
	}
	out := v.con.must("findmnt -n -o SOURCE,FSTYPE,OPTIONS /; dmsetup table cuecast-root; dmsetup status cuecast-root; readlink -f /dev/disk/by-partlabel/cuecast-root-"+slot, shortCommand)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 4 {
		v.t.Errorf("%s: verity state:\n%s", when, out)
		return
	}
	mount, table, status, part := strings.Fields(lines[0]), lines[1], strings.TrimSpace(lines[2]), strings.TrimSpace(lines[3])
	if len(mount) < 3 || mount[0] != "/dev/mapper/cuecast-root" || mount[1] != "squashfs" || !strings.HasPrefix(mount[2], "ro") {
		v.t.Errorf("%s: / is %q, want /dev/mapper/cuecast-root, squashfs, ro", when, lines[0])
	}
	// "0 SECTORS verity 1 MAJ:MIN MAJ:MIN 4096 4096 BLOCKS BLOCKS sha256 ROOT SALT"
	f := strings.Fields(table)
	if len(f) < 13 || f[2] != "verity" || f[11] != vo.RootHash || f[8] != fmt.Sprint(vo.DataBlocks) || f[9] != f[8] {
		v.t.Errorf("%s: dmsetup table cuecast-root = %q, want verity with %d blocks and root hash %s", when, table, vo.DataBlocks, vo.RootHash)
	}
	if devno := v.con.must("cat /sys/class/block/$(basename "+part+")/dev", shortCommand); len(f) > 5 && (f[4] != strings.TrimSpace(devno) || f[5] != f[4]) {
		v.t.Errorf("%s: verity maps %s (hashes on %s), slot %s is %s (%s)", when, f[4], f[5], slot, part, strings.TrimSpace(devno))
	}
	if !strings.HasSuffix(status, " V") {
		v.t.Errorf("%s: dmsetup status cuecast-root = %q, want ... V (verified, no corruption)", when, status)
	}
	v.t.Logf("%s: / is %s on slot %s, root hash %s", when, mount[0], slot, vo.RootHash)
}

// imageRootHash is the root hash image/verity.sh gave root.img.
func imageRootHash(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "root.img.verity"))
	if err != nil {
		return "", err
	}
	var vo update.Verity
	if err := json.Unmarshal(b, &vo); err != nil {
		return "", err
	}
	return vo.RootHash, nil
}

// corruptSlotFallsBack installs the good bundle into slot target (the
// inactive one), changes one byte of its partition, in the squashfs data, where
// squashfs itself would not notice at mount, and reboots: dm-verity fails
// the first read, the initramfs refuses the root, panic= reboots, the try
// is spent and systemd-boot goes back to the running slot, whose entry is
// goodEntry. seq is the new entry's number.
func (v *vm) corruptSlotFallsBack(figures map[string]string, target string, seq int, goodEntry string) {
	back := "a"
	if target == "a" {
		back = "b"
	}
	v.t.Helper()
	installStart := time.Now()
	v.con.must("cuecast update -tries 1 /dev/disk/by-id/virtio-good", 10*time.Minute)
	figures["verity: cuecast update of the good bundle into the inactive slot (CLI)"] = time.Since(installStart).Round(time.Second).String()
	// Byte 2048 of block 0: past the 96-byte squashfs superblock, inside
	// compressed file data; block 0 is read when the root is probed.
	flip := `dev=/dev/disk/by-partlabel/cuecast-root-` + target + `
b=$(dd if=$dev bs=1 skip=2048 count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
printf "\\$(printf %o $((b ^ 1)))" | dd of=$dev bs=1 seek=2048 count=1 conv=notrunc,fsync 2>/dev/null
echo 3 > /proc/sys/vm/drop_caches
echo "$b -> $(dd if=$dev bs=1 skip=2048 count=1 2>/dev/null | od -An -tu1 | tr -d ' ')"`
	out := v.con.must(flip, shortCommand)
	v.t.Logf("slot %s, byte 2048: %s", target, strings.TrimSpace(out))
	if f := strings.Fields(out); len(f) != 3 || f[0] == f[2] {
		v.t.Fatalf("byte not changed: %q", out)
	}
	m := v.con.mark()
	start := time.Now()
	fmt.Fprintf(v.con.in, "systemctl reboot\n")
	p, err := v.con.waitStages(m, regexp.MustCompile(`Kernel command line: [^\n]*root=PARTLABEL=cuecast-root-`+target), bootTimeout)
	if err != nil {
		v.t.Fatalf("the changed slot %s was not tried: %v", target, err)
	}
	if _, err := v.con.waitStages(p, regexp.MustCompile(`cuecast-verity: the root slot \S+ fails dm-verity`), bootTimeout); err != nil {
		v.t.Errorf("no dm-verity refusal of the changed slot %s: %v", target, err)
	}
	if _, _, err := v.con.waitFor(p, regexp.MustCompile(`device-mapper: verity: [^\n]*data block 0 is corrupted`), shortCommand); err != nil {
		v.t.Errorf("no kernel dm-verity report of block 0: %v", err)
	}
	v.waitBoot(p, back)
	figures["verity: reboot into a changed slot to back on the good one"] = time.Since(start).Round(time.Second).String()
	v.con.must("dmesg -n 1; stty -echo", shortCommand)
	entries := v.con.must("ls /efi/loader/entries", shortCommand)
	bad := fmt.Sprintf("cuecast-%d-%s+0-1.conf", seq, target)
	if !strings.Contains(entries, bad) || !strings.Contains(entries, goodEntry) {
		v.t.Errorf("entries after the changed slot:\n%s\nwant %s (bad) and %s (good)", entries, bad, goodEntry)
	}
	v.checkRunning("boot after the changed slot")
	v.checkVerityRoot("boot after the changed slot", back, "")
}
