#!/usr/bin/env bash
# Builds, once, a minimal Debian root for each newer HAProxy the end-to-end suite runs against, and prints one line
# per version: VERSION ROOT HAPROXY-VERSION-LINE. Debian 12 ships HAProxy 2.6; newer versions come from Debian's
# own archive (3.0 from trixie, 3.2 from sid, 3.4 from experimental) and need its newer libc, so each gets a
# `debootstrap --variant=minbase` root. Tests run the root's haproxy through the root's own dynamic loader, not in a
# chroot, so the configuration, the runtime API socket and every path stay the host's:
#
#   ROOT/lib64/ld-linux-x86-64.so.2 --library-path ROOT/lib/x86_64-linux-gnu:ROOT/usr/lib/x86_64-linux-gnu \
#       ROOT/usr/sbin/haproxy -f haproxy/haproxy.cfg
#
# Usage: scripts/haproxy-roots.sh [VERSION...]        (default: 3.0 3.2 3.4)
# Roots are kept under RR_HAPROXY_CACHE (default /var/cache/room-router/haproxy), one folder per version, and reused
# by later runs; delete a folder to rebuild it. Building needs root (debootstrap and chroot) and Debian's mirror;
# debootstrap is installed with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

cache=${RR_HAPROXY_CACHE:-/var/cache/room-router/haproxy}
mirror=${RR_DEBIAN_MIRROR:-http://deb.debian.org/debian}
versions=("$@")
((${#versions[@]})) || versions=(3.0 3.2 3.4)

# The Debian suite carrying each version. Debian moves on: when a suite no longer has the version asked for, the
# build fails on the version check below rather than quietly testing another HAProxy.
suite_of() {
    case $1 in
        3.0) echo trixie ;;
        3.2) echo sid ;;
        3.4) echo experimental ;;
        *) return 1 ;;
    esac
}

# The root's haproxy, run by the root's loader and libraries (the host's libc is too old for it).
root_haproxy() {
    local root=$1
    shift
    "$root/lib64/ld-linux-x86-64.so.2" --library-path "$root/lib/x86_64-linux-gnu:$root/usr/lib/x86_64-linux-gnu" \
        "$root/usr/sbin/haproxy" "$@"
}

version_line() {
    # sed, not head: head would leave haproxy a broken pipe, a failure under pipefail.
    root_haproxy "$1" -v 2>&1 | sed -n 1p
}

build() {
    local version=$1 suite=$2 root=$3
    local work="$root.building" log="$root.log" base=$suite
    # experimental holds only the packages that differ from sid: the root is sid's, with experimental's haproxy.
    [[ $suite == experimental ]] && base=sid
    rm -rf "$work"
    local started=$SECONDS
    echo "haproxy $version: building $root from Debian $suite (log: $log)" >&2
    if ! {
        debootstrap --variant=minbase --include=haproxy "$base" "$work" "$mirror" &&
            if [[ $suite == experimental ]]; then
                echo "deb $mirror experimental main" >"$work/etc/apt/sources.list.d/experimental.list"
                cp /etc/resolv.conf "$work/etc/resolv.conf"
                # experimental's Release file is often past its Valid-Until date.
                chroot "$work" apt-get -q -o Acquire::Check-Valid-Until=false update &&
                    chroot "$work" env DEBIAN_FRONTEND=noninteractive \
                        apt-get install -y -q --no-install-recommends -t experimental haproxy
            fi
    } >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        echo "haproxy $version: building the root failed (log: $log)" >&2
        return 1
    fi
    # Nothing in the root runs but haproxy: drop the package cache and documentation.
    rm -rf "$work"/var/cache/apt/archives/*.deb "$work"/var/cache/apt/*.bin "$work"/var/lib/apt/lists/* "$work"/usr/share/doc \
        "$work"/usr/share/man "$work"/usr/share/locale
    local line
    line=$(version_line "$work")
    if [[ $line != "HAProxy version $version."* ]]; then
        echo "haproxy $version: Debian $suite now carries '$line', not $version (log: $log)" >&2
        return 1
    fi
    mv "$work" "$root"
    echo "haproxy $version: built in $((SECONDS - started)) s, $(du -sh "$root" | cut -f1)" >&2
}

for version in "${versions[@]}"; do
    suite_of "$version" >/dev/null || {
        echo "haproxy-roots.sh: unknown version $version (expected: 3.0, 3.2 or 3.4)" >&2
        exit 2
    }
done

mkdir -p "$cache"
# One build at a time per cache, even from two test runs at once.
exec 9>"$cache/.lock"
flock 9

for version in "${versions[@]}"; do
    root="$cache/$version"
    if [[ ! -x $root/usr/sbin/haproxy ]]; then
        [[ $(id -u) -eq 0 ]] || {
            echo "haproxy-roots.sh: no cached root for haproxy $version in $cache; building one needs root" >&2
            exit 1
        }
        scripts/ensure-packages.sh debootstrap:debootstrap
        build "$version" "$(suite_of "$version")" "$root"
    fi
    echo "$version $root $(version_line "$root")"
done
