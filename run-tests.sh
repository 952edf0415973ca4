#!/usr/bin/env bash
# The one test command: unit tests (*Test), then the end-to-end tests (*IT) that run the real haproxy with
# haproxy/haproxy.cfg, the agent jar, game servers and redis-server on 127.0.0.1, and a quick run of the benchmarks (wrk).
# Installs what is missing with apt-get when run as root; extra arguments go to Maven (e.g. -Dit.test=CapacityIT).
set -euo pipefail
cd "$(dirname "$0")"

packages=(haproxy:haproxy redis-server:redis-server wrk:wrk java:openjdk-17-jdk-headless mvn:maven)
# ComposeFileTest runs `config -q` on docker/compose.yaml wherever a Docker client exists; that needs no Docker
# daemon. Debian's docker-compose (v1) stands in for a client without the compose plugin.
if command -v docker >/dev/null && ! docker compose version >/dev/null 2>&1; then
    packages+=(docker-compose:docker-compose)
fi
scripts/ensure-packages.sh "${packages[@]}"

exec mvn -B verify "$@"
