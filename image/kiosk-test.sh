#!/bin/bash
# The kiosk on screen (make image-test runs it after the boot test): build
# the product image with the kiosk (KIOSK=1) plus the boot-test image's root
# shell on the serial console (for the test's diagnostics), boot it under
# QEMU with a virtual display and check the screen (image/boottest,
# TestKiosk): the projector page connects, fills the screen, and draws its
# calibration pattern on key C. The screenshot is OUT/kiosk.png.
#
#   CUECAST_KIOSK_SHOT=docs/kiosk.png image/kiosk-test.sh   also refresh the docs' screenshot
#   KIOSK_TEST=0    skip it (default 1; skipping says so loudly)
#   CUECAST_KIOSK_TIMEOUT=30m   wait longer for the page on a crowded machine
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
OUT=${OUT:-image/build/kiosk-test}
GO=${GO:-go}
ARCH=${ARCH:-$(dpkg --print-architecture)}
CUECASTD=${CUECASTD:-out/image-bin/$ARCH/cuecastd}
CUECAST=${CUECAST:-out/image-bin/$ARCH/cuecast}
HOST_CUECAST=${HOST_CUECAST:-bin/cuecast}

skip() {
	echo "################################################################"
	echo "SKIP: kiosk screen test: $*"
	echo "SKIP: (the kiosk was NOT seen on screen)"
	echo "################################################################"
	exit 0
}
[ "${KIOSK_TEST:-1}" = 1 ] || skip "off (KIOSK_TEST=$KIOSK_TEST; docs/image.md, \"Kiosk on screen\")"
# Chromium under aarch64 emulation would take far longer than the budget.
[ "$ARCH" = amd64 ] || skip "ARCH=$ARCH: the kiosk is booted on amd64 only (docs/image.md, \"Kiosk on screen\")"
missing=()
for t in qemu-system-x86_64 mmdebstrap mksquashfs mkfs.ext4 mkfs.vfat mcopy systemd-repart; do
	command -v "$t" >/dev/null || missing+=("$t")
done
ls /usr/share/OVMF/OVMF_CODE*.fd >/dev/null 2>&1 || missing+=("OVMF (package ovmf)")
[ ${#missing[@]} -eq 0 ] || skip "this host lacks ${missing[*]} (make deps installs them)"
[ "$(id -u)" = 0 ] || { echo "kiosk-test: must run as root (mmdebstrap --mode=root)" >&2; exit 1; }

start=$(date +%s)
mkdir -p "$OUT"
rm -f "$OUT/update.key" "$OUT/update.key.pub" "$OUT/kiosk.png" "$OUT/kiosk-page.png" "$OUT/kiosk-failed.png"
"$HOST_CUECAST" bundle -genkey "$OUT/update.key" >/dev/null
OUT=$OUT ARCH=$ARCH UPDATE_PUB=$OUT/update.key.pub VERSION=kiosk-test KIOSK=1 DEBUG_SHELL=1 \
	SLOT_SIZE=${SLOT_SIZE:-1G} DATA_SIZE=${DATA_SIZE:-512M} \
	CUECASTD=$CUECASTD CUECAST=$CUECAST image/build.sh
build_s=$(($(date +%s) - start))
echo "==> kiosk image built in ${build_s}s; booting it under QEMU (serial log: $OUT/serial.log)"

shot=${CUECAST_KIOSK_SHOT:+$(realpath -m "$CUECAST_KIOSK_SHOT")}
CUECAST_KIOSK_TEST_DIR=$(cd "$OUT" && pwd) CUECAST_KIOSK_FIGURES=$(cd "$OUT" && pwd)/figures.txt \
	CUECAST_KIOSK_SHOT=$shot "$GO" test -count=1 -v -timeout 40m -run '^TestKiosk$' ./image/boottest/
echo "==> kiosk test passed in $(($(date +%s) - start))s (build ${build_s}s); screenshot $OUT/kiosk.png"
