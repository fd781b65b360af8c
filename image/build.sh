#!/bin/bash
# Build the cuecast disk image: an x86-64 or arm64 (generic UEFI) GPT disk
# with an ESP (systemd-boot
# and one kernel+initrd per slot), two root slots (read-only squashfs; B
# starts empty), and a data partition mounted on /var.
#
# Runs as root on Debian 12 without Docker and without loop devices: the
# root comes from mmdebstrap into a directory, the filesystems from
# mksquashfs, mkfs.ext4 -d and mkfs.vfat+mtools, and the disk from
# systemd-repart with CopyBlocks=. See docs/image.md.
#
# Inputs (environment; image/image.mk sets them):
#   OUT          output directory (disk.img, root.img, vmlinuz, initrd.img, ...)
#   ARCH         Debian architecture of the image (amd64, arm64; default: the host's)
#   CACHE        .deb cache kept between builds (gitignored)
#   CUECASTD     the daemon binary;  CUECAST  the CLI binary
#   UPDATE_PUB   PEM public key that update bundles must be signed with
#   VERSION      image version (shown in os-release and the boot menu)
#   KIOSK=1      install cage+chromium and the kiosk unit
#   DEBUG_SHELL=1  root shell on the serial console (boot-test image only)
#   NEVER_READY=1  also build root-never-ready.img: the same root whose
#                cuecastd never reports READY (boot-test rollback case)
#   SLOT_SIZE, DATA_SIZE, ESP_SIZE  partition sizes (bytes, K/M/G suffixes)
#   VERITY=0     no dm-verity hash tree on the roots (default 1: image/verity.sh)
#   RPI=1        (arm64; built, not booted: no Pi 4 under QEMU) also write disk-rpi.img, the Raspberry
#                Pi 4 variant (image/rpi.sh)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
OUT=${OUT:-$here/build/image}
CUECASTD=${CUECASTD:-$repo/bin/cuecastd}
CUECAST=${CUECAST:-$repo/bin/cuecast}
UPDATE_PUB=${UPDATE_PUB:?UPDATE_PUB must name the PEM public key of the update signing key}
VERSION=${VERSION:-$(date -u +%Y%m%d.%H%M)}
KIOSK=${KIOSK:-1}
ARCH=${ARCH:-$(dpkg --print-architecture)}
# What differs per architecture: the serial console's name (the PC UART is
# ttyS0; arm64 boards and QEMU's virt machine have a PL011, ttyAMA0), the
# name of systemd-boot's EFI binary and the removable-media path firmware
# boots, and the ESP size (arm64 kernels are uncompressed Images, ~3x the
# size of an x86 bzImage, and the ESP holds two kernels and initrds).
case $ARCH in
amd64) serial=ttyS0 efi_arch=x64 default_esp=96M ;;
arm64) serial=ttyAMA0 efi_arch=aa64 default_esp=192M ;;
*) echo "image/build.sh: ARCH=$ARCH: only amd64 and arm64 images are built" >&2; exit 1 ;;
esac
DEBUG_SHELL=${DEBUG_SHELL:-0}
NEVER_READY=${NEVER_READY:-0}
RPI=${RPI:-0}
SLOT_SIZE=${SLOT_SIZE:-1G}
DATA_SIZE=${DATA_SIZE:-1G}
ESP_SIZE=${ESP_SIZE:-$default_esp}
# One .deb cache per architecture (mmdebstrap copies the whole cache into
# the root under construction).
CACHE=${CACHE:-$here/cache$([ "$ARCH" = "$(dpkg --print-architecture)" ] || echo "-$ARCH")}
VERITY=${VERITY:-1}
# Kernel arguments common to every slot; the boot entry adds root= and,
# once the box has booted once, systemd.machine_id= (see firstboot).
CMDLINE=${CMDLINE:-ro rootfstype=squashfs console=tty1 console=$serial,115200 systemd.gpt_auto=0 panic=10}
# CMDLINE_EXTRA appends to it (the boot test's emulator settings).
CMDLINE="$CMDLINE${CMDLINE_EXTRA:+ $CMDLINE_EXTRA}"

start=$(date +%s)
step() { printf '\n==> [%4ss] %s\n' "$(($(date +%s) - start))" "$*"; }
size() { printf '    %-28s %8s\n' "$(basename "$1")" "$(du -h --apparent-size "$1" | cut -f1)"; }
die() { echo "image/build.sh: $*" >&2; exit 1; }

if [ "$ARCH" != "$(dpkg --print-architecture)" ]; then
	# A foreign root's maintainer scripts and the chroot steps run through
	# qemu-user-static (image/deps-arm64.sh registers it).
	grep -qsx enabled "/proc/sys/fs/binfmt_misc/qemu-$(dpkg-architecture -a"$ARCH" -qDEB_HOST_GNU_CPU 2>/dev/null)" ||
		die "ARCH=$ARCH: qemu-user-static is not registered with binfmt_misc: run 'make deps'"
fi
[ "$(id -u)" = 0 ] || die "must run as root (mmdebstrap --mode=root, device nodes in the root)"
for t in mmdebstrap mksquashfs mkfs.ext4 mkfs.vfat mcopy mmd systemd-repart $([ "$VERITY" = 0 ] || echo veritysetup); do
	command -v "$t" >/dev/null || die "$t not found: run 'make deps' (packages in docs/image.md)"
done
for f in "$CUECASTD" "$CUECAST" "$UPDATE_PUB"; do
	[ -s "$f" ] || die "$f is missing: run 'make build' (binaries) and 'make bundle-key' (key)"
done

mkdir -p "$OUT" "$CACHE"
# A go.mod makes `go vet ./...` and `go test ./...` stop at image/build/
# instead of walking the root filesystems built there.
[ -e "$here/build/go.mod" ] || { mkdir -p "$here/build" && echo "module ignored/imagebuild" > "$here/build/go.mod"; }
OUT=$(cd "$OUT" && pwd)
CACHE=$(cd "$CACHE" && pwd)
rootfs=$OUT/rootfs
rm -rf "$rootfs" "$OUT/var" "$OUT/repart.d" "$OUT"/*.img "$OUT"/*.img.verity

step "packages"
# The host is the same Debian release as the image: the packages that ship
# the binaries' shared libraries for $ARCH on the host (multiarch) are the
# ones the image needs. They are installed without their declared Depends
# (see image/libpackages.sh and customize.sh).
libpkgs=$("$here/libpackages.sh" "$ARCH" "$CUECASTD" "$CUECAST" | xargs)
pkglist() { [ ! -e "$1" ] || sed 's/#.*//' "$1" | xargs; }
pkgs="$(pkglist "$here/packages.txt") $(pkglist "$here/packages-$ARCH.txt")"
if [ "$KIOSK" = 1 ]; then pkgs="$pkgs $(pkglist "$here/packages-kiosk.txt")"; fi
echo "    base+kiosk: $pkgs"
echo "    libraries of cuecastd and cuecast: ${libpkgs:-none (static binaries)}"

# The mirror is whatever apt on the build host uses (never written into the
# repository); mmdebstrap pastes each sources file into the image.
mirrors=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] && grep -qv '^\s*\(#\|$\)' "$f" && mirrors+=("$f")
done
[ ${#mirrors[@]} -gt 0 ] || die "no apt sources on this host to take the Debian mirror from"
echo "    mirror from: ${mirrors[*]}"

step "root filesystem (mmdebstrap minbase bookworm; cache $CACHE)"
export SYSTEMD_DIR=${SYSTEMD_DIR:-$repo/systemd} OVERLAY=$here KIOSK DEBUG_SHELL CUECASTD CUECAST UPDATE_PUB VERSION REPO=$repo
export ARCH CACHE LIBPKGS=$libpkgs
# The initramfs config and the verity hook go in first (setup hooks); the
# install's slow maintainer-script steps (update-initramfs, certificates,
# hwdb, depmod) are held back until every package is in and then run once
# (image/defer.sh: hold in the essential hook, release in customize.sh). The
# merged-usr hook lays out merged /usr itself; without it apt installs the
# usrmerge package, which pulls in all of Perl (~50 MB) for a one-off job.
mmdebstrap --variant=minbase --mode=root --format=directory --architectures="$ARCH" \
	--include="$(echo $pkgs | tr ' ' ,)" \
	--aptopt='Acquire::Languages "none"' \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-include=/usr/share/doc/*/copyright' \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/info/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--dpkgopt='path-include=/usr/share/locale/locale.alias' \
	--dpkgopt='path-exclude=/usr/lib/chromium/libVkLayer_khronos_validation.so' \
	--dpkgopt='path-exclude=/usr/lib/chromium/libVkICD_mock_icd.so' \
	--skip=essential/unlink \
	--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
	--setup-hook='mkdir -p "$1"/var/cache/apt/archives/ "$1"/etc/initramfs-tools/conf.d "$1"/usr/share/initramfs-tools/modules.d' \
	--setup-hook="sync-in $CACHE /var/cache/apt/archives/" \
	--setup-hook='printf "MODULES=list\nCOMPRESS=gzip\n" > "$1"/etc/initramfs-tools/conf.d/cuecast.conf' \
	--setup-hook="grep -v '^#' $here/initramfs-modules > \"\$1\"/usr/share/initramfs-tools/modules.d/cuecast" \
	--setup-hook="$here/verity.sh initramfs \"\$1\"" \
	--essential-hook="$here/defer.sh hold \"\$1\"" \
	--customize-hook="sync-out /var/cache/apt/archives $CACHE" \
	--customize-hook="$here/customize.sh \"\$1\"" \
	bookworm "$rootfs" "${mirrors[@]}"
du -sh --exclude=proc "$rootfs" | awk '{print "    rootfs " $1}'

step "unit check (systemd-analyze verify against the new root)"
# Catches a unit naming a missing binary or a bad directive, e.g. the kiosk,
# which the QEMU boot test does not start.
units=()
for u in "$rootfs"/usr/lib/systemd/system/cuecast*.service "$rootfs"/usr/lib/systemd/system/cuecast*.path; do
	[ -e "$u" ] && units+=("/usr/lib/systemd/system/$(basename "$u")")
done
systemd-analyze verify --root="$rootfs" "${units[@]}" || die "unit check failed (above)"
echo "    ${#units[@]} units ok"

step "kernel and initramfs"
kver=$(ls "$rootfs"/lib/modules | sort -V | tail -n1)
cp "$rootfs/boot/vmlinuz-$kver" "$OUT/vmlinuz"
# Debian's arm64 vmlinuz is a gzip'd Image; UEFI (and systemd-boot) start
# only the Image itself, an EFI executable through its stub.
if [ "$(head -c2 "$OUT/vmlinuz" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then
	gzip -dc "$rootfs/boot/vmlinuz-$kver" > "$OUT/vmlinuz"
fi
cp "$rootfs/boot/initrd.img-$kver" "$OUT/initrd.img"
# The ESP and the update bundles carry the kernel and initramfs; the root
# does not need its own copies (~16 MB that squashfs cannot compress).
rm -rf "$rootfs"/boot/* "$rootfs"/vmlinuz* "$rootfs"/initrd.img*
echo "    kernel $kver"
size "$OUT/vmlinuz"; size "$OUT/initrd.img"
[ "$VERITY" = 0 ] || "$here/verity.sh" check-initrd "$OUT/initrd.img"

step "data partition (/var)"
# /var lives on its own partition so that config, state, the journal and the
# MQTT store survive root updates; the root keeps an empty mount point.
mv "$rootfs/var" "$OUT/var"
mkdir "$rootfs/var"
mkfs.ext4 -q -F -L cuecast-data -d "$OUT/var" "$OUT/data.img" "$DATA_SIZE"
size "$OUT/data.img"

step "root slot image (squashfs)"
squash() { mksquashfs "$1" "$2" -noappend -no-xattrs -comp zstd -Xcompression-level 6 -quiet -no-progress; }
squash "$rootfs" "$OUT/root.img"
size "$OUT/root.img"
# dm-verity: the hash tree goes right after the squashfs in the same slot;
# root.img.verity (root hash, salt) is signed into bundles by cuecast bundle.
verity() { [ "$VERITY" = 0 ] || "$here/verity.sh" format "$1"; }
verity "$OUT/root.img"
if [ "$NEVER_READY" = 1 ]; then
	# Same root, but cuecastd is replaced by a process that never sends
	# READY: the boot test installs it to see the box roll back by itself.
	d=$rootfs/usr/lib/systemd/system/cuecastd.service.d
	mkdir -p "$d"
	printf '[Service]\nExecStart=\nExecStart=/bin/sleep infinity\n' > "$d/99-never-ready.conf"
	squash "$rootfs" "$OUT/root-never-ready.img"
	rm "$d/99-never-ready.conf"
	verity "$OUT/root-never-ready.img"
	size "$OUT/root-never-ready.img"
fi

step "ESP (systemd-boot, slot A kernel)"
rm -f "$OUT/esp.img"
mkfs.vfat -F 32 -n CUECAST-ESP -C "$OUT/esp.img" $(($(numfmt --from=iec "$ESP_SIZE") / 1024)) >/dev/null
export MTOOLS_SKIP_CHECK=1
mmd -i "$OUT/esp.img" ::/EFI ::/EFI/BOOT ::/loader ::/loader/entries ::/cuecast ::/cuecast/a ::/cuecast/b
# The boot loader comes from the image's own systemd-boot-efi, so it matches
# the systemd-bless-boot that blesses its entries.
mcopy -i "$OUT/esp.img" "$rootfs/usr/lib/systemd/boot/efi/systemd-boot$efi_arch.efi" "::/EFI/BOOT/BOOT${efi_arch^^}.EFI"
# timeout 0: no menu unless a key is held; no "default": the entry that sorts
# first wins, i.e. the newest sequence number that is not marked bad (see
# edge/update/entry.go).
printf 'timeout 0\neditor no\nauto-entries no\nauto-firmware no\nconsole-mode keep\n' > "$OUT/loader.conf"
mcopy -i "$OUT/esp.img" "$OUT/loader.conf" ::/loader/loader.conf
mcopy -i "$OUT/esp.img" "$OUT/vmlinuz" ::/cuecast/a/vmlinuz
mcopy -i "$OUT/esp.img" "$OUT/initrd.img" ::/cuecast/a/initrd.img
# The factory entry is already good (no boot counter). With verity it
# carries slot a's root hash, as the update installer's entries do.
entry_opts=$CMDLINE
[ "$VERITY" = 0 ] || entry_opts="$CMDLINE $("$here/verity.sh" cmdline "$OUT/root.img")"
printf 'title cuecast %s (slot a)\nversion %s\nlinux /cuecast/a/vmlinuz\ninitrd /cuecast/a/initrd.img\noptions root=PARTLABEL=cuecast-root-a %s\n' \
	"$VERSION" "$VERSION" "$entry_opts" > "$OUT/cuecast-1-a.conf"
mcopy -i "$OUT/esp.img" "$OUT/cuecast-1-a.conf" ::/loader/entries/cuecast-1-a.conf
echo "$CMDLINE" > "$OUT/cmdline"
echo "$VERSION" > "$OUT/version"
size "$OUT/esp.img"

step "disk (systemd-repart, CopyBlocks=)"
mkdir -p "$OUT/repart.d"
part() { # file type label size [copyblocks]
	{
		printf '[Partition]\nType=%s\nLabel=%s\nSizeMinBytes=%s\nSizeMaxBytes=%s\n' "$2" "$3" "$4" "$4"
		[ -z "${5:-}" ] || printf 'CopyBlocks=%s\n' "$5"
	} > "$OUT/repart.d/$1"
}
part 10-esp.conf esp cuecast-esp "$ESP_SIZE" "$OUT/esp.img"
part 20-root-a.conf linux-generic cuecast-root-a "$SLOT_SIZE" "$OUT/root.img"
part 30-root-b.conf linux-generic cuecast-root-b "$SLOT_SIZE"
part 40-data.conf linux-generic cuecast-data "$DATA_SIZE" "$OUT/data.img"
rm -f "$OUT/disk.img"
systemd-repart --empty=create --size=auto --dry-run=no --no-pager \
	--definitions="$OUT/repart.d" "$OUT/disk.img" >"$OUT/repart.log" 2>&1 || { cat "$OUT/repart.log"; die "systemd-repart failed"; }
size "$OUT/disk.img"
printf '    %-28s %8s\n' "disk.img (allocated)" "$(du -h "$OUT/disk.img" | cut -f1)"

if [ "$ARCH" = arm64 ] && [ "$RPI" = 1 ]; then
	step "Raspberry Pi 4 variant (image/rpi.sh)"
	CACHE=$CACHE "$here/rpi.sh" "$OUT"
fi

step "done: $OUT/disk.img (version $VERSION) in $(($(date +%s) - start)) s"
