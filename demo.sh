#!/usr/bin/env bash
# The one demo command: builds the agent, then starts game1..game3, the agent and haproxy (haproxy/haproxy.cfg),
# sends 24 rooms of 10 WebSocket players through haproxy and prints where each room landed.
# Arguments go to DemoMain: --rooms N, --players N, --port N, --keep-running (stay up until Ctrl-C), --help.
set -euo pipefail
cd "$(dirname "$0")"

scripts/ensure-packages.sh haproxy:haproxy java:openjdk-17-jdk-headless mvn:maven

# The tests are run by run-tests.sh; the demo only needs the jars.
mvn -B -q -Dstyle.color=never package -DskipTests
exec java -Droomrouter.root="$PWD" -cp "tests/target/classes:$(cat tests/target/runtime-classpath.txt)" \
    io.roomrouter.demo.DemoMain "$@"
