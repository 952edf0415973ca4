#!/usr/bin/env bash
# Installs the Debian packages whose commands are missing: ensure-packages.sh COMMAND:PACKAGE ...
# As root it runs apt-get (update first), its output on stderr; otherwise it names what to install and fails.
set -euo pipefail
missing=()
for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
((${#missing[@]})) || exit 0
if [[ $(id -u) -ne 0 ]]; then
    echo "missing ${missing[*]}: install them (apt-get install ${missing[*]}) or run as root" >&2
    exit 1
fi
# apt-get's lines go to stderr: callers read stdout (scripts/haproxy-roots.sh prints its roots there, and run-tests.sh
# took dpkg's "Selecting previously unselected package debootstrap." for a root on a machine without debootstrap).
apt-get update -qq >&2
# --no-install-recommends matters: docker-compose, for one, recommends docker.io, a whole second Docker engine.
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
