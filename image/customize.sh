#!/bin/bash
# mmdebstrap --customize-hook for image/build.sh: puts cuecast into the root
# at $1 (run on the build host; chroot only where a tool must see the root).
set -euo pipefail
root=$1
: "${OVERLAY:?}" "${REPO:?}" "${CUECASTD:?}" "${CUECAST:?}" "${UPDATE_PUB:?}" "${VERSION:?}"

copytree() { # copy a tree's contents into the root, owned by root
	[ -d "$1" ] || return 0
	cp -rT --no-preserve=ownership "$1" "$root"
}

echo "    overlay files"
copytree "$OVERLAY/overlay"
[ "${KIOSK:-0}" = 1 ] && copytree "$OVERLAY/overlay-kiosk"
[ "${DEBUG_SHELL:-0}" = 1 ] && copytree "$OVERLAY/overlay-debug"

if [ -n "${LIBPKGS:-}" ]; then
	# The packages that ship the binaries' shared libraries (found by
	# image/libpackages.sh), installed without their declared Depends: the
	# ldd check below proves nothing the binaries load is missing. This is
	# how mmdebstrap's own manual installs packages by hand (dpkg
	# --force-depends); the appliance never runs apt afterwards.
	: "${CACHE:?}" "${MMDEBSTRAP_APT_CONFIG:?}"
	installed=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Package} ${db:Status-Abbrev}\n' 2>/dev/null | awk '$2 == "ii" {print $1}')
	todo=()
	for p in $LIBPKGS; do
		grep -qx "$p" <<<"$installed" || todo+=("$p")
	done
	echo "    libraries: ${#todo[@]} packages (${todo[*]}) without their Depends"
	if [ ${#todo[@]} -gt 0 ]; then
		debs=$root/tmp/cuecast-libdebs
		mkdir -p "$debs"
		while read -r uri file _ hash; do
			# Same names as apt's own archive cache (sync-in/out of $CACHE);
			# apt-helper checks the hash from the signed index.
			uri=${uri#\'} uri=${uri%\'}
			if [ ! -s "$CACHE/$file" ]; then
				/usr/lib/apt/apt-helper download-file "$uri" "$CACHE/$file.part" "$hash" >/dev/null
				mv "$CACHE/$file.part" "$CACHE/$file"
			fi
			cp "$CACHE/$file" "$debs/"
		done < <(APT_CONFIG=$MMDEBSTRAP_APT_CONFIG apt-get download --print-uris "${todo[@]}")
		chroot "$root" sh -c 'dpkg --install --force-depends /tmp/cuecast-libdebs/*.deb' >"$root/tmp/cuecast-libdebs.log" 2>&1 ||
			{ cat "$root/tmp/cuecast-libdebs.log"; echo "image/customize.sh: installing the library packages failed" >&2; exit 1; }
		rm -rf "$debs" "$root/tmp/cuecast-libdebs.log"
	fi
fi

echo "    binaries"
install -m 0755 "$CUECASTD" "$root/usr/bin/cuecastd"
install -m 0755 "$CUECAST" "$root/usr/bin/cuecast"
install -D -m 0644 "$UPDATE_PUB" "$root/usr/lib/cuecast/update.pub"
if chroot "$root" ldd /usr/bin/cuecastd 2>/dev/null | grep 'not found'; then
	echo "image/customize.sh: cuecastd needs libraries the image lacks (above)" >&2
	exit 1
fi

installed_as() { sed -n 's|^#.*[Ii]nstalled as /\([^ )]*[^ .)]\).*|\1|p' "$1" | head -n1; }

echo "    systemd/ from the repository"
# Layout of systemd/ (owned by the foundation): units at the top or in
# system/, and drop-in directories named like the file they extend.
sd=${SYSTEMD_DIR:-$REPO/systemd}
if [ -d "$sd" ]; then
	while IFS= read -r -d '' f; do
		rel=${f#"$sd"/}
		name=$(basename "$f")
		# A file may say where it goes: "# Installed as /usr/lib/...".
		dst=$(installed_as "$f")
		if [ -n "$dst" ]; then
			install -D -m 0644 "$f" "$root/$dst"
			echo "    systemd/$rel -> /$dst"
			continue
		fi
		case "$rel" in
		sysusers.d/*|*.sysusers) dst=usr/lib/sysusers.d/${name%.sysusers}; dst=${dst%.conf}.conf ;;
		tmpfiles.d/*|*.tmpfiles) dst=usr/lib/tmpfiles.d/${name%.tmpfiles}; dst=${dst%.conf}.conf ;;
		udev/*|rules.d/*|*.rules) dst=usr/lib/udev/rules.d/$name ;;
		journald.conf.d/*|journald*.conf) dst=usr/lib/systemd/journald.conf.d/$name ;;
		system.conf.d/*) dst=usr/lib/systemd/system.conf.d/$name ;;
		*.service.d/*|*.socket.d/*) dst=usr/lib/systemd/system/$(basename "$(dirname "$f")")/$name ;;
		*.service|*.socket|*.timer|*.path|*.target|*.slice) dst=usr/lib/systemd/system/$name ;;
		*.sh) continue ;;
		*) echo "    (skipped systemd/$rel: not a unit or drop-in)"; continue ;;
		esac
		install -D -m 0644 "$f" "$root/$dst"
		echo "    systemd/$rel -> /$dst"
	done < <(find "$sd" -type f -print0 | sort -z)
fi

echo "    broker and hardware configs"
# broker/mosquitto/ (owned by the MQTT side): a file that says where it goes
# ("Installed as /etc/...") goes there; other *.conf extend Debian's
# mosquitto.conf through conf.d, as does everything in conf.d/.
for f in "$REPO"/broker/mosquitto/* "$REPO"/broker/mosquitto/conf.d/*; do
	[ -f "$f" ] || continue
	dst=$(installed_as "$f")
	if [ -z "$dst" ]; then
		case "$f" in
		*/conf.d/*|*.conf) dst=etc/mosquitto/conf.d/$(basename "$f") ;;
		*) dst=etc/mosquitto/$(basename "$f") ;;
		esac
	fi
	install -D -m 0644 "$f" "$root/$dst"
	echo "    broker/${f#"$REPO"/broker/} -> /$dst"
done
# The LAN listener's password file is per box (cuecast-firstboot writes it
# on the data partition); the read-only root points at it.
ln -sf /var/lib/cuecast-broker/passwd "$root/etc/mosquitto/cuecast.passwd"
for f in "$REPO"/hw/*.toml "$REPO"/hw/config/*; do
	[ -f "$f" ] || continue
	install -D -m 0644 "$f" "$root/usr/share/cuecast/hw/$(basename "$f")"
	echo "    hw/$(basename "$f") -> /usr/share/cuecast/hw/"
done

echo "    identity, users, units"
# Empty (not "uninitialized"): every boot gets a transient id from systemd
# until firstboot pins a persistent one on the kernel command line; the
# read-only root is never "first boot" again.
: > "$root/etc/machine-id"
echo cuecast > "$root/etc/hostname"
printf 'IMAGE_ID=cuecast\nIMAGE_VERSION=%s\n' "$VERSION" >> "$root/usr/lib/os-release"
echo "$VERSION" > "$root/usr/lib/cuecast/version"
# Config lives on the data partition so it survives updates.
rm -rf "$root/etc/cuecast"
ln -s ../var/lib/cuecast-config "$root/etc/cuecast"
systemd-sysusers --root="$root" >/dev/null
units="systemd-networkd.service cuecast-firstboot.service cuecast-health.service cuecast-update.path mosquitto.service"
[ -e "$root/usr/lib/systemd/system/cuecastd.service" ] && units="$units cuecastd.service"
[ "${KIOSK:-0}" = 1 ] && units="$units cuecast-kiosk.service"
# shellcheck disable=SC2086
systemctl --root="$root" enable $units >/dev/null 2>&1
# Nothing here needs "network online"; waiting for it would hold boot up
# (and mark it degraded) on a box with the cable out.
systemctl --root="$root" mask systemd-networkd-wait-online.service >/dev/null 2>&1
systemctl --root="$root" set-default multi-user.target >/dev/null 2>&1

if [ "${KIOSK:-0}" = 1 ] && [ -s "$OVERLAY/packages-kiosk-drop.txt" ]; then
	drop=$(sed 's/#.*//' "$OVERLAY/packages-kiosk-drop.txt" | xargs)
	echo "    kiosk: dropping $(wc -w <<<"$drop") packages it never loads (packages-kiosk-drop.txt)"
	# shellcheck disable=SC2086
	chroot "$root" dpkg --purge --force-depends $drop >/dev/null 2>&1 ||
		{ echo "image/customize.sh: dpkg --purge of the kiosk drop list failed" >&2; exit 1; }
	for b in /usr/bin/cage /usr/lib/chromium/chromium /usr/lib/chromium/chrome_crashpad_handler \
		/usr/lib/chromium/libEGL.so /usr/lib/chromium/libGLESv2.so /usr/lib/chromium/libvk_swiftshader.so; do
		if chroot "$root" ldd "$b" 2>&1 | grep 'not found'; then
			echo "image/customize.sh: $b lost a library to the kiosk drop list (above)" >&2
			exit 1
		fi
	done
fi

echo "    deferred steps, once (image/defer.sh)"
"$OVERLAY/defer.sh" release "$root"

echo "    kernel modules"
lists=("$OVERLAY/kernel-modules.txt")
[ -e "$OVERLAY/kernel-modules-${ARCH:-amd64}.txt" ] && lists+=("$OVERLAY/kernel-modules-${ARCH:-amd64}.txt")
"$OVERLAY/trim-modules.sh" "$root" "${lists[@]}"

echo "    trim"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/log/*.log \
	"$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old "$root"/boot/*.old
