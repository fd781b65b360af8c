#!/bin/bash
# image/rpi.sh OUT: the Raspberry Pi 4 / 400 / CM4 variant of an arm64 image
# that image/build.sh has just built in OUT (the same root, kernel, initrd,
# A/B slots and boot entries). It writes OUT/disk-rpi.img: the generic disk
# whose ESP also carries what the Pi's boot ROM needs to reach UEFI:
#   Pi firmware (start4.elf, fixup4.dat; Debian's raspi-firmware, from the
#   non-free-firmware component of the host's Debian mirror) -> U-Boot
#   (Debian's u-boot-rpi, rpi_arm64: its EFI mode) -> EFI/BOOT/BOOTAA64.EFI
#   (systemd-boot) -> the same loader entries, boot counting and rollback.
# The Pi 4's EEPROM boot loader reads the FAT file system of a GPT disk's
# ESP. Pi 5 is not covered: Debian 12's kernel (6.1) has no BCM2712 support.
# Nothing here runs under emulation (QEMU 7.2 has no Pi 4 machine): the
# variant is built, not booted (docs/image.md, "Raspberry Pi").
set -euo pipefail
OUT=${1:?usage: image/rpi.sh OUT}
# Absolute: build.sh's repart definitions name $OUT's images by full path.
OUT=$(cd "$OUT" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
CACHE=${CACHE:-$here/cache-arm64}
CACHE=$(mkdir -p "$CACHE" && cd "$CACHE" && pwd) # apt takes relative Dir:: paths as under /etc/apt
die() { echo "image/rpi.sh: $*" >&2; exit 1; }
[ -s "$OUT/esp.img" ] && [ -d "$OUT/rootfs/usr/lib" ] || die "$OUT: no arm64 build (esp.img, rootfs) to make the Pi variant from"

# The two packages, from the .deb cache or else from an apt of our own:
# arm64, over the host's Debian mirror with the non-free-firmware component
# added (never written into the repository).
apt=$CACHE/rpi-apt
rm -rf "$apt/debs" && mkdir -p "$apt/debs"
cached() { ls "$CACHE"/raspi-firmware_*_all.deb "$CACHE"/u-boot-rpi_*_arm64.deb 2>/dev/null | wc -l; }
if [ "$(cached)" -lt 2 ]; then
	rm -rf "$apt/sources" "$apt/lists" && mkdir -p "$apt/sources" "$apt/lists/partial"
	n=0
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && grep -q 'debian.org/debian\b\|/debian ' "$f" || continue
		n=$((n + 1))
		case "$f" in
		*.sources) sed 's/^\(Components:.*\)/\1 non-free-firmware/' "$f" > "$apt/sources/$n.sources" ;;
		*) sed -n 's/^\(deb .*\)/\1 non-free-firmware/p' "$f" > "$apt/sources/$n.list" ;;
		esac
	done
	[ "$n" -gt 0 ] || die "no Debian apt sources on this host"
	aptopts=(-o APT::Architecture=arm64 -o APT::Architectures=arm64 -o Dir::Etc::SourceList=/dev/null
		-o "Dir::Etc::SourceParts=$apt/sources" -o "Dir::State::Lists=$apt/lists"
		-o Debug::NoLocking=1 -o APT::Sandbox::User=root -o Acquire::Languages=none)
	apt-get -q "${aptopts[@]}" update >/dev/null
	apt-get -q "${aptopts[@]}" download --print-uris raspi-firmware u-boot-rpi |
		while read -r uri file _ hash; do
			uri=${uri#\'} uri=${uri%\'}
			# apt-helper checks the hash from the signed index.
			/usr/lib/apt/apt-helper download-file "$uri" "$CACHE/$file.part" "$hash" >/dev/null
			mv "$CACHE/$file.part" "$CACHE/$file"
		done
fi
for d in "$(ls "$CACHE"/raspi-firmware_*_all.deb | sort -V | tail -n1)" "$(ls "$CACHE"/u-boot-rpi_*_arm64.deb | sort -V | tail -n1)"; do
	dpkg-deb -x "$d" "$apt/debs"
	echo "    $(basename "$d")"
done
fw=$apt/debs/usr/lib/raspi-firmware
uboot=$apt/debs/usr/lib/u-boot/rpi_arm64/u-boot.bin
dtbs=$(ls -d "$OUT"/rootfs/usr/lib/linux-image-*/broadcom | sort -V | tail -n1)
for f in "$fw/start4.elf" "$fw/fixup4.dat" "$uboot" "$dtbs/bcm2711-rpi-4-b.dtb"; do
	[ -s "$f" ] || die "$f missing"
done

cp "$OUT/esp.img" "$OUT/esp-rpi.img"
export MTOOLS_SKIP_CHECK=1
# The firmware starts U-Boot instead of a kernel; U-Boot finds
# EFI/BOOT/BOOTAA64.EFI on the same partition. enable_uart: a serial
# console on GPIO 14/15 for technicians.
cat > "$apt/config.txt" <<'CFG'
# cuecast: Raspberry Pi 4/400/CM4 boot ROM -> U-Boot (EFI) -> systemd-boot.
arm_64bit=1
enable_uart=1
kernel=u-boot.bin
CFG
mcopy -i "$OUT/esp-rpi.img" "$fw/start4.elf" "$fw/fixup4.dat" "$uboot" "$apt/config.txt" "$dtbs"/bcm2711-*.dtb ::/
rm -f "$OUT/disk-rpi.img"
sed "s|^CopyBlocks=$OUT/esp.img\$|CopyBlocks=$OUT/esp-rpi.img|" "$OUT/repart.d/10-esp.conf" > "$apt/10-esp.conf"
grep -qx "CopyBlocks=$OUT/esp-rpi.img" "$apt/10-esp.conf" || die "$OUT/repart.d/10-esp.conf does not copy $OUT/esp.img"
mkdir -p "$apt/repart.d" && cp "$OUT"/repart.d/*.conf "$apt/repart.d/" && mv "$apt/10-esp.conf" "$apt/repart.d/"
systemd-repart --empty=create --size=auto --dry-run=no --no-pager \
	--definitions="$apt/repart.d" "$OUT/disk-rpi.img" >"$OUT/repart-rpi.log" 2>&1 ||
	{ cat "$OUT/repart-rpi.log"; die "systemd-repart failed"; }
rm -f "$OUT/esp-rpi.img"
printf '    %-28s %8s\n' disk-rpi.img "$(du -h --apparent-size "$OUT/disk-rpi.img" | cut -f1)"
