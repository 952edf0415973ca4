#!/usr/bin/env bash
# The one test command: unit tests (*Test), then the end-to-end tests (*IT) that run the real haproxy with
# haproxy/haproxy.cfg, the agent jar, game servers and redis-server on 127.0.0.1.
# Installs what is missing with apt-get when run as root; extra arguments go to Maven (e.g. -Dit.test=CapacityIT).
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v haproxy >/dev/null || missing+=(haproxy)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v java >/dev/null || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || missing+=(maven)
# ComposeFileTest runs `config -q` on docker/compose.yaml wherever a Docker client exists; that needs no Docker
# daemon. Debian's docker-compose (v1) stands in for a client without the compose plugin. --no-install-recommends
# (below) matters: docker-compose recommends docker.io, a whole second Docker engine.
if command -v docker >/dev/null && ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null; then
    missing+=(docker-compose)
fi
if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "run-tests.sh: missing ${missing[*]}: install them (apt-get install ${missing[*]}) or run as root" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

exec mvn -B verify "$@"
