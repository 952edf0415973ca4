# The room-router agent: the SPOE agent HAProxy asks where each game room lives.
#
# Build from the repository root (the build context must hold the whole Maven reactor):
#   docker build -f docker/agent.Dockerfile -t room-router-agent .
# Flags go after the image name and replace CMD; `docker run --rm room-router-agent --help` lists them.

FROM maven:3-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# Tests need haproxy and redis-server processes, which this stage lacks: they run in the repository's own
# test suite, not here. -Dmaven.test.skip also skips compiling them.
RUN mvn -B -q -Dmaven.test.skip=true -pl agent -am package
# git records the launcher as executable, but a checkout that lost the bit (a zip, Windows) must still give an
# image that starts.
RUN chmod 0755 bin/room-router

FROM eclipse-temurin:17-jre
# A fixed uid, so a compose file or an orchestrator can grant it a socket or a volume by number.
RUN groupadd --system --gid 10001 roomrouter \
    && useradd --system --uid 10001 --gid roomrouter --no-create-home --home-dir /nonexistent roomrouter
# The repository's layout under /opt/room-router, which bin/room-router finds from its own path: the image starts
# the agent with the very launcher the tests and benchmarks use. It uses the image's JAVA_HOME and execs java, so
# the JVM is pid 1 and gets docker stop's SIGTERM. RR_JAVA_OPTS (docker run -e) adds JVM flags, e.g. -Xmx.
COPY --from=build /src/bin/room-router /opt/room-router/bin/room-router
COPY --from=build /src/agent/jvm.options /opt/room-router/agent/jvm.options
COPY --from=build /src/agent/target/room-router-agent.jar /opt/room-router/agent/target/room-router-agent.jar
USER roomrouter
# 12345: SPOP, for HAProxy. The admin endpoint (--admin) has no default port, so none is exposed for it.
EXPOSE 12345
ENTRYPOINT ["/opt/room-router/bin/room-router"]
CMD ["--listen", "0.0.0.0:12345"]
