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

# The selection runs in one Python process: the shell loop it replaces forked
# stat and rm once per module (~8000 processes, minutes on a loaded host).
# Globs are matched like bash's [[ == ]] (fnmatch: '*' also matches '/').
python3 - "$kdir" "$dry" "$@" <<'PY'
import fnmatch, os, sys
kdir, dry, lists = sys.argv[1], sys.argv[2] == "1", sys.argv[3:]
globs, names = [], set()
for lst in lists:
    for line in open(lst):
        line = " ".join(line.split("#", 1)[0].split())
        if not line:
            continue
        if "/" in line:
            globs.append("kernel/" + line)
        else:
            names.add(line.replace("-", "_"))  # module names use _ and - interchangeably
dep = {}
for line in open(os.path.join(kdir, "modules.dep")):
    m, _, d = line.rstrip("\n").partition(":")
    dep[m] = d.split()
keep = set()
for m, deps in dep.items():
    base = os.path.basename(m).split(".ko")[0].replace("-", "_")
    if base in names or any(fnmatch.fnmatchcase(m, g) for g in globs):
        keep.add(m)
        keep.update(deps)  # modules.dep is already transitive
total = kept = 0
for m in sorted(dep):
    path = os.path.join(kdir, m)
    size = os.stat(path).st_size
    total += size
    if m in keep:
        kept += size
        if dry:
            print("keep", m)
    elif not dry:
        os.remove(path)
print("    kernel %s: %d of %d modules kept, %d of %d MiB" % (
    os.path.basename(kdir), len(keep), len(dep), kept >> 20, total >> 20))
PY
[ $dry = 1 ] && exit 0
find "$kdir/kernel" -depth -type d -empty -delete
# depmod only reads and writes files: the host's, when it has one (kmod,
# `make deps`), works for any architecture's modules and needs no qemu-user.
if command -v depmod >/dev/null; then
	depmod -b "$root" "$kver"
else
	chroot "$root" depmod "$kver"
fi
