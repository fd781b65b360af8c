#!/bin/bash
# libpackages.sh ARCH BINARY...: the Debian packages that ship the shared
# libraries BINARY needs at run time, one per line ("package soname path"
# with -v).
#
# The closure is walked the way the dynamic loader walks it (DT_NEEDED,
# recursively), in the build host's library directories for ARCH (multiarch:
# the host has ARCH's OpenCV because cuecastd was linked against it), and
# each file is mapped to its package with dpkg -S. The image installs
# exactly these packages for the binaries, not their declared Depends: those
# name alternatives and helpers a library does not load (libglx0 depends on
# Mesa and LLVM, ~140 MiB, for an OpenGL the box never uses).
set -euo pipefail
arch=${1:?usage: libpackages.sh [-v] ARCH BINARY...}
verbose=0
if [ "$arch" = -v ]; then verbose=1; shift; arch=${1:?}; fi
shift
triplet=$(dpkg-architecture -a"$arch" -qDEB_HOST_MULTIARCH 2>/dev/null)
dirs=("/usr/lib/$triplet" "/lib/$triplet" /usr/lib /lib)

needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*Shared library: \[\(.*\)\]/\1/p'; }

declare -A seen=()
queue=()
for b in "$@"; do
	[ -s "$b" ] || { echo "libpackages.sh: $b: no such file" >&2; exit 1; }
	readelf -h "$b" >/dev/null 2>&1 || { echo "libpackages.sh: $b: not an ELF file" >&2; exit 1; }
	queue+=("$b")
done
missing=()
while [ ${#queue[@]} -gt 0 ]; do
	f=${queue[0]}
	queue=("${queue[@]:1}")
	for so in $(needed "$f"); do
		[ -z "${seen[$so]:-}" ] || continue
		path=""
		for d in "${dirs[@]}"; do
			if [ -e "$d/$so" ]; then path=$(readlink -f "$d/$so"); break; fi
		done
		if [ -z "$path" ]; then missing+=("$so (needed by $f)"); seen[$so]=missing; continue; fi
		seen[$so]=$path
		queue+=("$path")
	done
done
if [ ${#missing[@]} -gt 0 ]; then
	printf 'libpackages.sh: not found for %s: %s\n' "$arch" "${missing[@]}" >&2
	exit 1
fi

# dpkg knows a file under the path its package ships it at: with merged /usr
# that may be /lib/... or /usr/lib/... One dpkg -S for every candidate (each
# call reads the whole dpkg database: one per library took a minute at load).
declare -A own=()
paths=()
for so in "${!seen[@]}"; do
	p=${seen[$so]}
	paths+=("$p" "${p#/usr}" "/usr$p")
done
re="^([^:,]*)(:$arch)?: (.*)$"
while IFS= read -r line; do
	[[ $line =~ $re ]] || continue
	[ -n "${own[${BASH_REMATCH[3]}]:-}" ] || own[${BASH_REMATCH[3]}]=${BASH_REMATCH[1]}
done < <(dpkg -S "${paths[@]}" 2>/dev/null || true)
for so in "${!seen[@]}"; do
	p=${seen[$so]} pkg=""
	for q in "$p" "${p#/usr}" "/usr$p"; do
		pkg=${own[$q]:-}
		[ -z "$pkg" ] || break
	done
	[ -n "$pkg" ] || { echo "libpackages.sh: no $arch package ships $p" >&2; exit 1; }
	if [ "$verbose" = 1 ]; then echo "$pkg $so $p"; else echo "$pkg"; fi
done | sort -u
