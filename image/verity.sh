#!/bin/bash
# dm-verity for the root slots (docs/image.md, "Verified root"). Kept out of
# build.sh so the build stays readable and architecture independent: every
# step works on files, none runs the image's own binaries.
#
#   verity.sh initramfs ROOTDIR   mmdebstrap --setup-hook: put the hook and
#                                 the local-top script in ROOTDIR's
#                                 /etc/initramfs-tools before the kernel's
#                                 initramfs is built
#   verity.sh format IMG          pad IMG (squashfs) to 4096-byte blocks,
#                                 append its hash tree (veritysetup format
#                                 --no-superblock, a fresh salt) and write
#                                 IMG.verity, the JSON that `cuecast bundle`
#                                 signs into the manifest
#   verity.sh cmdline IMG         the kernel command line option for IMG
#                                 (cuecast.verity=sha256,BLOCKS,ROOT_HASH,SALT)
#   verity.sh check-initrd INITRD the initramfs has the script, dmsetup and
#                                 dm-verity
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
die() { echo "image/verity.sh: $*" >&2; exit 1; }

json() { # IMG KEY: a value from IMG.verity (written by format below)
	sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p" "$1.verity"
}

case "${1:-}" in
initramfs)
	root=${2:?root directory}
	install -D -m 0755 "$here/verity/hook" "$root/etc/initramfs-tools/hooks/cuecast-verity"
	install -D -m 0755 "$here/verity/local-top" "$root/etc/initramfs-tools/scripts/local-top/cuecast-verity"
	;;
format)
	img=${2:?image}
	command -v veritysetup >/dev/null || die "veritysetup not found: run 'make deps' (package cryptsetup-bin)"
	size=$(stat -c %s "$img")
	blocks=$(((size + 4095) / 4096))
	# mksquashfs pads to 4 KiB already; the tree starts on a block boundary.
	truncate -s $((blocks * 4096)) "$img"
	salt=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
	out=$(veritysetup format --no-superblock --hash=sha256 --data-block-size=4096 --hash-block-size=4096 \
		--data-blocks="$blocks" --hash-offset=$((blocks * 4096)) --salt="$salt" "$img" "$img") ||
		die "veritysetup format $img failed: $out"
	roothash=$(sed -n 's/^Root hash:[[:space:]]*\([0-9a-f]\{64\}\)$/\1/p' <<<"$out")
	[ -n "$roothash" ] || die "no root hash in veritysetup's output: $out"
	printf '{"hash_algorithm":"sha256","data_blocks":%d,"root_hash":"%s","salt":"%s"}\n' \
		"$blocks" "$roothash" "$salt" >"$img.verity"
	printf '    %-28s %d data blocks + %d bytes of hash tree, root hash %s\n' \
		"$(basename "$img")" "$blocks" $(($(stat -c %s "$img") - blocks * 4096)) "$roothash"
	;;
cmdline)
	img=${2:?image}
	[ -s "$img.verity" ] || die "$img.verity missing: run 'verity.sh format $img' first"
	printf 'cuecast.verity=%s,%s,%s,%s\n' "$(json "$img" hash_algorithm)" "$(json "$img" data_blocks)" \
		"$(json "$img" root_hash)" "$(json "$img" salt)"
	;;
check-initrd)
	initrd=${2:?initrd}
	# COMPRESS=gzip (build.sh), no early microcode archive in front; the
	# names of a newc cpio archive, read without cpio(1).
	list=$(zcat "$initrd" | python3 -c '
import sys
b = sys.stdin.buffer.read()
o = 0
while b[o:o + 6] in (b"070701", b"070702"):
    size, nlen = int(b[o + 54:o + 62], 16), int(b[o + 94:o + 102], 16)
    name = b[o + 110:o + 110 + nlen - 1].decode(errors="replace")
    if name == "TRAILER!!!":
        break
    print(name)
    o = (o + 110 + nlen + 3) & ~3
    o = (o + size + 3) & ~3
') || die "cannot list $initrd"
	for f in scripts/local-top/cuecast-verity 'sbin/dmsetup' 'dm-verity.ko'; do
		grep -q "$f" <<<"$list" || die "$initrd lacks $f: the root could not be verified at boot"
	done
	echo "    initramfs: cuecast-verity, dmsetup, dm-verity present"
	;;
*)
	die "usage: verity.sh initramfs ROOTDIR | format IMG | cmdline IMG | check-initrd INITRD"
	;;
esac
