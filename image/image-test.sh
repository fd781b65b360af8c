#!/bin/bash
# make image-test: build the boot-test image (no kiosk, a root shell on the
# serial console, a fresh signing key, a "never ready" variant of the root)
# and run image/boottest against it under QEMU.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
OUT=${OUT:-image/build/test}
GO=${GO:-go}
ARCH=${ARCH:-$(dpkg --print-architecture)}
# The image's binaries (built for ARCH by make image-bins) and the host's
# cuecast, which makes the keys and bundles.
CUECASTD=${CUECASTD:-out/image-bin/$ARCH/cuecastd}
CUECAST=${CUECAST:-out/image-bin/$ARCH/cuecast}
HOST_CUECAST=${HOST_CUECAST:-bin/cuecast}

missing=()
for t in qemu-system-x86_64 qemu-img mmdebstrap mksquashfs mkfs.ext4 mkfs.vfat mcopy systemd-repart veritysetup; do
	command -v "$t" >/dev/null || missing+=("$t")
done
ls /usr/share/OVMF/OVMF_CODE*.fd >/dev/null 2>&1 || missing+=("OVMF (package ovmf)")
if [ ${#missing[@]} -gt 0 ]; then
	echo "################################################################"
	echo "SKIP: make image-test: this host lacks ${missing[*]}"
	echo "SKIP: (make deps installs them; the image was NOT tested)"
	echo "################################################################"
	exit 0
fi
[ "$(id -u)" = 0 ] || { echo "image-test: must run as root (mmdebstrap --mode=root)" >&2; exit 1; }

start=$(date +%s)
mkdir -p "$OUT"
# A key of its own for every run: the test proves what this key signs is
# accepted and what another key signs is not.
rm -f "$OUT/update.key" "$OUT/update.key.pub"
"$HOST_CUECAST" bundle -genkey "$OUT/update.key" >/dev/null

OUT=$OUT ARCH=$ARCH UPDATE_PUB=$OUT/update.key.pub VERSION=test-1 KIOSK=0 DEBUG_SHELL=1 NEVER_READY=1 \
	SLOT_SIZE=${SLOT_SIZE:-1G} DATA_SIZE=${DATA_SIZE:-512M} \
	CUECASTD=$CUECASTD CUECAST=$CUECAST image/build.sh

echo
echo "==> bundles"
"$HOST_CUECAST" bundle -key "$OUT/update.key" -root "$OUT/root.img" -version test-2 -o "$OUT/good.bundle"
"$HOST_CUECAST" bundle -key "$OUT/update.key" -root "$OUT/root-never-ready.img" -version test-3-never-ready -o "$OUT/never-ready.bundle"
# Signed with the right key, but without the root's dm-verity parameters:
# the verified box refuses it (image/boottest/verity_test.go).
"$HOST_CUECAST" bundle -key "$OUT/update.key" -root "$OUT/root.img" -verity none -version test-noverity -o "$OUT/noverity.bundle"
build_s=$(($(date +%s) - start))
echo "==> image built in ${build_s}s; booting it under QEMU (serial log: $OUT/serial.log)"

CUECAST_IMAGE_TEST_DIR=$(cd "$OUT" && pwd) CUECAST_IMAGE_FIGURES=$(cd "$OUT" && pwd)/figures.txt \
	"$GO" test -count=1 -v -timeout 40m ./image/boottest/
echo "==> image-test passed in $(($(date +%s) - start))s (build ${build_s}s)"
