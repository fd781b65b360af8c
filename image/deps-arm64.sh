#!/bin/bash
# image/deps-arm64.sh: what `make image ARCH=arm64` and its boot test need
# on an amd64 Debian 12 build host, installed only when missing (the top
# Makefile's `deps` runs it; idempotent, quick when all is there):
#   - the arm64 architecture in dpkg (multiarch) and apt's arm64 indexes;
#   - the cross compiler (g++-aarch64-linux-gnu: not crossbuild-essential,
#     whose dpkg-cross brings Perl modules the build never uses);
#   - only the arm64 OpenCV the image's cuecastd links: the -dev packages of
#     core, imgproc and flann, the runtime libraries of calib3d and
#     features2d (their -dev packages depend on libopencv-highgui-dev, i.e.
#     Qt, FFmpeg and GDAL for arm64: ~370 packages; the headers are the
#     host's, identical across architectures, and image/opencv-min.sh links
#     the two libraries' .so names into its own lib directory), and
#     libjpeg/libpng for opencv-min.sh's static imgcodecs;
#   - qemu-user-static, registered with binfmt_misc, so the arm64 root's
#     maintainer scripts and chroot steps run on this host (arch-test:
#     mmdebstrap checks with it that the foreign architecture runs);
#   - qemu-system-arm (qemu-system-aarch64) and qemu-efi-aarch64 (AAVMF
#     UEFI firmware) for the boot test.
# Set CUECAST_NO_ARM64=1 to skip all of it (e.g. a host that only builds
# amd64 images).
set -euo pipefail
[ "${CUECAST_NO_ARM64:-0}" = 1 ] && { echo "deps-arm64: skipped (CUECAST_NO_ARM64=1)"; exit 0; }
[ "$(dpkg --print-architecture)" = amd64 ] || { echo "deps-arm64: only for amd64 build hosts; skipped"; exit 0; }
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
start=$(date +%s)

pkgs=(g++-aarch64-linux-gnu qemu-user-static arch-test qemu-system-arm qemu-efi-aarch64
	libopencv-core-dev:arm64 libopencv-imgproc-dev:arm64 libopencv-flann-dev:arm64
	libopencv-calib3d406:arm64 libopencv-features2d406:arm64
	libjpeg62-turbo-dev:arm64 libpng-dev:arm64)
installed() { dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q ' ok installed$'; }

added=0
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	echo "deps-arm64: dpkg --add-architecture arm64"
	$SUDO dpkg --add-architecture arm64
	added=1
fi
missing=()
for p in "${pkgs[@]}"; do installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps-arm64: installing ${missing[*]}"
	# A new architecture needs its indexes; otherwise refresh only when
	# apt does not know a package (e.g. a host whose lists were cleaned).
	if [ "$added" = 1 ] || ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
		$SUDO apt-get update -q
	fi
	# --no-remove: never take a package off the host to make room (the
	# full libopencv-calib3d-dev:arm64 would remove the host's
	# libopencv-dev: arm64's GDAL is not co-installable with amd64's).
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends --no-remove "${missing[@]}"
fi

# binfmt_misc: mounted and qemu-aarch64 registered with the F (fix binary)
# flag, so the static interpreter works inside the image's chroot.
bm=/proc/sys/fs/binfmt_misc
if [ ! -e $bm/register ]; then
	echo "deps-arm64: mounting binfmt_misc"
	$SUDO mount -t binfmt_misc binfmt_misc $bm
fi
if [ ! -e $bm/qemu-aarch64 ]; then
	conf=/usr/lib/binfmt.d/qemu-aarch64.conf
	[ -s "$conf" ] || { echo "deps-arm64: $conf missing (qemu-user-static)" >&2; exit 1; }
	echo "deps-arm64: registering qemu-aarch64 with binfmt_misc ($conf)"
	# What systemd-binfmt does; PID 1 is not always systemd on build hosts.
	grep -v '^\s*\(#\|$\)' "$conf" | $SUDO tee $bm/register >/dev/null
fi
grep -qx enabled $bm/qemu-aarch64 || { echo "deps-arm64: qemu-aarch64 is registered but not enabled" >&2; exit 1; }
echo "deps-arm64: present ($(($(date +%s) - start)) s)"
