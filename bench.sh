#!/usr/bin/env bash
# Runs every room-router benchmark and prints a table; the figures also go to tests/target/bench/results.json.
#   ./bench.sh                      the full suite (about 30 minutes on 2 cores)
#   ./bench.sh -Dbench.quick=true   a smoke run (about five minutes)
# Any -Dbench.* system property (see io.roomrouter.bench.BenchSettings) is passed on, e.g. -Dbench.suites=agent.
# Suites: agent, scale, haproxy, placement (the default; it runs the simulated placement curve first, which
# -Dbench.suites=placement-curve runs alone in about 75 seconds, then the scripted scenario, then the same curve through
# the real HAProxy with WebSocket players, which -Dbench.suites=placement-curve-haproxy runs alone in about 18 minutes;
# -Dbench.curveHaproxyRooms=N sizes it, -Dbench.curveHaproxyVariant="--refresh-interval 100ms" adds a room-router
# stack with those agent flags), and shared, run only when named: the Redis production
# shape on this machine's cores (./bench.sh -Dbench.suites=shared -Dbench.sharedRuns=2, see docs/performance.md).
# soak, run only when named: 8 000 WebSocket players for 30 minutes, memory and descriptors over time
# (./bench.sh -Dbench.suites=soak; -Dbench.soakPlayers=N -Dbench.soakMinutes=M).
# The fuzz run of the SPOP codec and the join message is separate: scripts/fuzz.sh (docs/performance.md, "Fuzzing").
# Installs haproxy, wrk and redis-server with apt-get when they are missing and it runs as root.
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)
scripts/ensure-packages.sh haproxy:haproxy redis-server:redis-server wrk:wrk java:openjdk-17-jdk-headless mvn:maven
mvn -q -B -pl agent,tests -am package -DskipTests \
    org.apache.maven.plugins:maven-dependency-plugin:3.9.0:build-classpath \
    -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=runtime ${MVN_ARGS:-}
exec java -Xms1g -Xmx2g -XX:+UseG1GC -Dbench.root="$root" "$@" \
    -cp "tests/target/classes:$(cat tests/target/bench-classpath.txt)" io.roomrouter.bench.BenchMain
