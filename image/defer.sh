#!/bin/bash
# defer.sh: run the root's slow maintainer-script steps once, at the end of
# the build, instead of every time a package's postinst or a dpkg trigger
# asks for them (docs/image.md, "How it is built").
#
#   defer.sh hold ROOT      mmdebstrap --essential-hook (before the rest of
#                           the packages are installed): divert the tools
#                           below to a stub that only notes the call
#   defer.sh release ROOT   customize hook, once every package is in: put
#                           the tools back and run each of them once
#
# Why: during the install, update-initramfs runs twice (the kernel's
# postinst, then initramfs-tools' trigger), update-ca-certificates twice
# (ca-certificates' postinst, then its trigger), systemd-hwdb twice (udev's
# postinst and trigger) and depmod on all ~4000 modules of the kernel.
# For an arm64 root all of it runs through qemu-user: mkinitramfs alone,
# a shell script forking thousands of emulated processes, took ~8 min
# per run on a loaded 2-core host. Run once at the end, the result is the
# same files (the initramfs config and the verity hook are in place from the
# setup hooks on).
#
# Where the work is architecture-neutral it runs with the host's tools
# against ROOT instead of in the chroot: the certificate links and bundle
# (the root's own update-ca-certificates script, run by the host's shell),
# and depmod (the host's kmod, when installed: `make deps`).
set -euo pipefail
die() { echo "image/defer.sh: $*" >&2; exit 1; }
cmd=${1:-}
root=${2:?usage: defer.sh hold|release ROOT}

# The tools, by the path their package ships them at (dpkg diverts that
# path; with merged /usr, /sbin/depmod and /usr/sbin/depmod are one file
# but only the shipped name is diverted).
tools=(/usr/sbin/update-initramfs /usr/sbin/update-ca-certificates /bin/systemd-hwdb /sbin/depmod)
real() { echo "$1.cuecast-real"; }
calls=/var/lib/cuecast-deferred.log

case "$cmd" in
hold)
	for t in "${tools[@]}"; do
		dpkg-divert --root="$root" --local --rename --quiet --divert "$(real "$t")" --add "$t"
		# The stub stands where the tool is looked for; dpkg installs the
		# real one at the diverted name.
		mkdir -p "$root$(dirname "$t")"
		printf '#!/bin/sh\n# image/defer.sh: deferred to the end of the image build\necho "%s $*" >> %s\nexit 0\n' \
			"$(basename "$t")" "$calls" > "$root$t"
		chmod 0755 "$root$t"
	done
	;;
release)
	for t in "${tools[@]}"; do
		rm -f "$root$t"
		dpkg-divert --root="$root" --rename --quiet --remove "$t"
		[ -e "$root$t" ] || [ -L "$root$t" ] || die "$t is not in the root after the install"
	done
	if [ -s "$root$calls" ]; then
		echo "    deferred during the install: $(cut -d' ' -f1 "$root$calls" | sort | uniq -c | xargs)"
	fi
	rm -f "$root$calls"
	kver=$(ls "$root"/usr/lib/modules | sort -V | tail -n1)
	[ -n "$kver" ] || die "no kernel in $root/usr/lib/modules"

	t0=$(date +%s)
	# udev's compiled hardware database (/usr/lib/udev/hwdb.bin). The host
	# has no systemd-hwdb of its own (no udev), so the root's runs.
	chroot "$root" systemd-hwdb --usr update
	t1=$(date +%s)

	# /etc/ssl/certs and ca-certificates.crt from /etc/ca-certificates.conf,
	# as ca-certificates' postinst makes them: the root's own script, run by
	# the host's shell and tools with --sysroot, then its symlinks made
	# root-relative again (--sysroot prefixes the targets with ROOT).
	hooks=$root/etc/ca-certificates/update.d
	if [ -d "$hooks" ] && [ -n "$(ls -A "$hooks")" ]; then
		# Hooks (e.g. Java's keystore) must run inside the root.
		chroot "$root" update-ca-certificates --fresh >/dev/null
	else
		sh "$root/usr/sbin/update-ca-certificates" --sysroot "$root" --hooksdir "" --fresh >/dev/null
		find "$root/etc/ssl/certs" -maxdepth 1 -type l | while read -r l; do
			target=$(readlink "$l")
			case "$target" in
			"$root"/*)
				# --sysroot joins ROOT and /usr/...: ROOT//usr/...
				rel=${target#"$root"}
				ln -sfn "/${rel#"${rel%%[!/]*}"}" "$l"
				;;
			esac
		done
		if find "$root/etc/ssl/certs" -maxdepth 1 -type l -lname "$root/*" | grep -q .; then
			die "certificate links still point into the build directory"
		fi
	fi
	[ -s "$root/etc/ssl/certs/ca-certificates.crt" ] || die "update-ca-certificates wrote no bundle"
	t2=$(date +%s)

	# The module dependency tables for the whole kernel (update-initramfs
	# and image/trim-modules.sh read them).
	if command -v depmod >/dev/null; then
		depmod -b "$root" "$kver"
	else
		chroot "$root" depmod "$kver"
	fi
	t3=$(date +%s)

	# The one initramfs, with the trimmed config (MODULES=list), the module
	# list and the dm-verity hook that the setup hooks put in.
	chroot "$root" update-initramfs -c -k "$kver" >/dev/null
	[ -s "$root/boot/initrd.img-$kver" ] || die "update-initramfs made no initrd.img-$kver"
	t4=$(date +%s)
	echo "    once: systemd-hwdb $((t1 - t0)) s, certificates $((t2 - t1)) s, depmod $((t3 - t2)) s, initramfs $((t4 - t3)) s"
	;;
*)
	die "usage: defer.sh hold|release ROOT"
	;;
esac
