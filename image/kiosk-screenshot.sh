#!/bin/bash
# image/kiosk-screenshot.sh: boot the kiosk image (make image, KIOSK=1) under
# QEMU with a virtual display and take a screenshot of what the projector
# output shows, through the QEMU monitor's screendump.
#
#   image/kiosk-screenshot.sh [IMAGE_DIR [OUT.png]]
#     IMAGE_DIR  default image/build/image (holds disk.img)
#     OUT.png    default docs/kiosk.png
#   TIMEOUT=1200  seconds to wait for the page (TCG on a loaded 2-core host)
#   SETTLE=20     seconds between the page's WebSocket connecting and the shot
#
# Not part of make test (time budget; see docs/image.md "Kiosk"). x86-64 only.
#
# How it knows the page is up: cuecastd's GET /api/v1/health (forwarded to a
# loopback port) answers 200 once the daemon is READY, and its "clients"
# counts WebSocket clients: the only client in the VM is the kiosk's
# Chromium with the projector page. The shot is taken SETTLE seconds later,
# when the page has drawn its first frames. The disk image is not changed
# (-snapshot on a qcow2 overlay).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-$here/build/image}
out=${2:-$here/../docs/kiosk.png}
TIMEOUT=${TIMEOUT:-1200}
SETTLE=${SETTLE:-20}
[ -s "$dir/disk.img" ] || { echo "kiosk-screenshot: no $dir/disk.img (make image)" >&2; exit 1; }

code=
for f in /usr/share/OVMF/OVMF_CODE_4M.fd /usr/share/OVMF/OVMF_CODE.fd; do [ -e "$f" ] && { code=$f; break; }; done
vars=
for f in /usr/share/OVMF/OVMF_VARS_4M.fd /usr/share/OVMF/OVMF_VARS.fd; do [ -e "$f" ] && { vars=$f; break; }; done
[ -n "$code" ] && [ -n "$vars" ] || { echo "kiosk-screenshot: no OVMF firmware (Debian package ovmf)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/kiosk-shot.XXXXXX)
qpid=
cleanup() {
	if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
		kill "$qpid"
		wait "$qpid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

cp "$vars" "$tmp/vars.fd"
qemu-img create -q -f qcow2 -F raw -b "$(realpath "$dir/disk.img")" "$tmp/disk.qcow2"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

start=$(date +%s)
elapsed() { echo $(($(date +%s) - start)); }
# virtio-vga: the kernel's virtio-gpu driver (no 3D: cage draws with
# wlroots' pixman renderer). Not -vga std: its bochs-drm driver cannot import
# PRIME buffers, and cage's wlroots (0.15) refuses a DRM device without that
# ("PRIME import not supported").
qemu-system-x86_64 -machine q35,accel=tcg -cpu max -m 1536 -smp 2 \
	-nodefaults -device virtio-vga -display none \
	-monitor "unix:$tmp/monitor,server,nowait" -serial "file:$tmp/serial.log" \
	-snapshot \
	-drive "if=pflash,format=raw,unit=0,readonly=on,file=$code" \
	-drive "if=pflash,format=raw,unit=1,file=$tmp/vars.fd" \
	-drive "file=$tmp/disk.qcow2,format=qcow2,if=virtio" \
	-nic "user,model=virtio-net-pci,restrict=on,hostfwd=tcp:127.0.0.1:$port-:8080" \
	-device i6300esb &
qpid=$!
echo "kiosk-screenshot: QEMU started (pid $qpid, health port 127.0.0.1:$port, serial log $tmp/serial.log)"

# monitor CMD: one HMP command on the monitor socket.
monitor() {
	python3 - "$tmp/monitor" "$1" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(30)
buf = b""
while not buf.endswith(b"(qemu) "):
    buf += s.recv(4096)
s.sendall(sys.argv[2].encode() + b"\n")
buf = b""
while not buf.endswith(b"(qemu) "):
    buf += s.recv(4096)
s.close()
EOF
}

ready=
clients=0
while [ "$(elapsed)" -lt "$TIMEOUT" ]; do
	kill -0 "$qpid" 2>/dev/null || { echo "kiosk-screenshot: QEMU exited" >&2; tail -n 40 "$tmp/serial.log" >&2; exit 1; }
	h=$(curl -s -m 5 "http://127.0.0.1:$port/api/v1/health" || true)
	if [ -z "$ready" ] && grep -q '"phase":"ready"' <<<"$h"; then
		ready=$(elapsed)
		echo "kiosk-screenshot: cuecastd READY after $ready s"
	fi
	clients=$(sed -n 's/.*"clients":\([0-9]*\).*/\1/p' <<<"$h")
	if [ "${clients:-0}" -ge 1 ]; then
		break
	fi
	sleep 5
done
if [ "${clients:-0}" -lt 1 ]; then
	monitor "screendump $tmp/screen.ppm" || true
	[ -s "$tmp/screen.ppm" ] && python3 "$here/ppm2png.py" "$tmp/screen.ppm" "${out%.png}-failed.png" &&
		echo "kiosk-screenshot: what the screen showed: ${out%.png}-failed.png" >&2
	echo "kiosk-screenshot: no WebSocket client (the kiosk page) after $TIMEOUT s; last health: ${h:-none}" >&2
	tail -n 40 "$tmp/serial.log" >&2
	exit 1
fi
page=$(elapsed)
echo "kiosk-screenshot: the projector page connected after $page s"
sleep "$SETTLE"
monitor "screendump $tmp/screen.ppm"
python3 "$here/ppm2png.py" "$tmp/screen.ppm" "$out"
echo "kiosk-screenshot: $out ($(stat -c %s "$out") bytes) at $(elapsed) s; READY $ready s, page $page s after QEMU start"
