#!/bin/bash
# trim-modules.sh [-n] ROOT LIST...: keep only the kernel modules the box can
# use and delete the rest from ROOT's newest /usr/lib/modules/VERSION.
#
# Each LIST line is a glob on the module's path under kernel/ (e.g.
# drivers/net/ethernet/intel/*) or a bare module name (e.g. i6300esb);
# '#' starts a comment. Every kept module keeps what it depends on
# (modules.dep is already transitive). The root's depmod tables are
# rebuilt. -n: only print what would be kept and its size.
#
# Debian's kernel ships ~4000 modules (~400 MB, ~90 MiB of squashfs) for
# every machine Debian runs on; the box needs its storage, USB, network,
# camera, watchdog and display drivers.
set -euo pipefail
dry=0
if [ "${1:-}" = -n ]; then dry=1; shift; fi
root=${1:?usage: trim-modules.sh [-n] ROOT LIST...}
shift
kdir=$(ls -d "$root"/usr/lib/modules/*/ | sort -V | tail -n1)
kdir=${kdir%/}
kver=$(basename "$kdir")
[ -s "$kdir/modules.dep" ] || { echo "trim-modules.sh: no modules.dep in $kdir" >&2; exit 1; }

globs=() names=()
for list in "$@"; do
	while read -r line; do
		line=${line%%#*}
		line=$(echo $line)
		[ -n "$line" ] || continue
		case "$line" in
		*/*) globs+=("kernel/$line") ;;
		*) names+=("$line") ;;
		esac
	done < "$list"
done

declare -A keep=() dep=()
while IFS= read -r l; do
	m=${l%%:*}
	dep[$m]=${l#*:}
done < "$kdir/modules.dep"
for m in "${!dep[@]}"; do
	base=${m##*/}
	base=${base%%.ko*}
	hit=0
	for g in "${globs[@]}"; do
		# shellcheck disable=SC2053
		[[ $m == $g ]] && { hit=1; break; }
	done
	if [ $hit = 0 ]; then
		for n in "${names[@]}"; do
			# module names use _ and - interchangeably
			[ "${base//-/_}" = "${n//-/_}" ] && { hit=1; break; }
		done
	fi
	[ $hit = 1 ] || continue
	keep[$m]=1
	for d in ${dep[$m]}; do keep[$d]=1; done
done

total=0 kept=0
for m in "${!dep[@]}"; do
	s=$(stat -c %s "$kdir/$m")
	total=$((total + s))
	if [ -n "${keep[$m]:-}" ]; then
		kept=$((kept + s))
		[ $dry = 0 ] || echo "keep $m"
	elif [ $dry = 0 ]; then
		rm -f "$kdir/$m"
	fi
done
printf '    kernel %s: %d of %d modules kept, %d of %d MiB\n' "$kver" "${#keep[@]}" "${#dep[@]}" \
	$((kept >> 20)) $((total >> 20))
[ $dry = 1 ] && exit 0
find "$kdir/kernel" -depth -type d -empty -delete
# The root's own depmod (through qemu-user for a foreign architecture).
chroot "$root" depmod "$kver"
