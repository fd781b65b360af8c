#!/usr/bin/env bash
# Checks the shipped unit the way systemd will read it: `systemd-analyze verify`
# must pass and `systemd-analyze security` must score 2.0 or lower.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# verify checks that ExecStart exists: point it at a stand-in binary.
sed "s#/usr/bin/cuecastd#$tmp/cuecastd#" "$here/cuecastd.service" > "$tmp/cuecastd.service"
printf '#!/bin/sh\n' > "$tmp/cuecastd" && chmod +x "$tmp/cuecastd"
(cd "$tmp" && systemd-analyze verify "$tmp/cuecastd.service")
echo "units: systemd-analyze verify cuecastd.service: ok"
score=$(systemd-analyze security --offline=yes "$tmp/cuecastd.service" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
echo "units: systemd-analyze security cuecastd.service: exposure $score (limit 2.0)"
awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 2.0) }' || { echo "units: exposure $score is above 2.0"; exit 1; }
