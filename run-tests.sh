#!/usr/bin/env bash
# The one test command: unit tests (*Test), then the end-to-end tests (*IT) that run the real haproxy with
# haproxy/haproxy.cfg, the agent jar, game servers and redis-server on 127.0.0.1, and a quick run of the benchmarks (wrk).
# Then the HAProxy matrix: the core end-to-end scenarios again on each newer HAProxy (RR_HAPROXY_VERSIONS, default
# "3.0 3.2 3.4"; empty for none), each from a minimal Debian root that scripts/haproxy-roots.sh builds once and caches.
# Installs what is missing with apt-get when run as root; extra arguments go to every Maven run (e.g.
# -Dit.test=CapacityIT, which then runs CapacityIT on every version).
set -euo pipefail
cd "$(dirname "$0")"

# chromium: StatusPageIT loads the agent's status page in it, headless. systemd-analyze: SystemdUnitTest checks
# packaging/room-router.service with it (no running systemd needed). openssl: RedisTlsAclIT makes its certificates.
packages=(haproxy:haproxy redis-server:redis-server wrk:wrk java:openjdk-17-jdk-headless mvn:maven chromium:chromium
    systemd-analyze:systemd openssl:openssl)
# ComposeFileTest runs `config -q` on docker/compose.yaml wherever a Docker client exists; that needs no Docker
# daemon. Debian's docker-compose (v1) stands in for a client without the compose plugin.
if command -v docker >/dev/null && ! docker compose version >/dev/null 2>&1; then
    packages+=(docker-compose:docker-compose)
fi
scripts/ensure-packages.sh "${packages[@]}"

# The scenarios every newer HAProxy runs: placement and stickiness, capacity, servers changing, the agent down,
# the agent paused, killed, stopped and restarted (stick table, peers), and the reference configuration's
# `haproxy -c`.
matrix_its=HaproxyConfigCheckIT,RoomAffinityIT,CapacityIT,ServerChangesIT,AgentDownIT,AgentFaultIT,AgentRestartIT,RedisRestartIT
read -r -a matrix <<<"${RR_HAPROXY_VERSIONS-3.0 3.2 3.4}"
roots=""
if ((${#matrix[@]})); then
    # Before the long run, so that a root that cannot be built fails the run at once.
    roots=$(scripts/haproxy-roots.sh "${matrix[@]}")
fi

started=$SECONDS
mvn -B verify "$@"
summary=("haproxy $(haproxy -v | sed -n 1p | cut -d' ' -f3): the whole suite, $((SECONDS - started)) s")

while read -r version root line; do
    [[ -n $version ]] || continue
    echo "=== HAProxy matrix: ${line} (${root})"
    started=$SECONDS
    # Unit tests ran above; the agent module is in the reactor only to package the jar the scenarios start (-am:
    # and the kit module the tests share with it, which is never installed).
    mvn -B verify -pl agent,tests -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
        -Dfailsafe.failIfNoSpecifiedTests=false -Dit.test="$matrix_its" \
        -Droomrouter.haproxy.root="$root" -De2e.suffix="-haproxy-$version" "$@"
    summary+=("haproxy $(cut -d' ' -f3 <<<"$line"): $matrix_its, $((SECONDS - started)) s")
done <<<"$roots"

printf '%s\n' "${summary[@]}"
