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

FROM eclipse-temurin:17-jre
# A fixed uid, so a compose file or an orchestrator can grant it a socket or a volume by number.
RUN groupadd --system --gid 10001 roomrouter \
    && useradd --system --uid 10001 --gid roomrouter --no-create-home --home-dir /nonexistent roomrouter
COPY --from=build /src/agent/target/room-router-agent.jar /opt/room-router/room-router-agent.jar
COPY agent/jvm.options /opt/room-router/jvm.options
USER roomrouter
# 12345: SPOP, for HAProxy. The admin endpoint (--admin) has no default port, so none is exposed for it.
EXPOSE 12345
ENTRYPOINT ["java", "@/opt/room-router/jvm.options", "-jar", "/opt/room-router/room-router-agent.jar"]
CMD ["--listen", "0.0.0.0:12345"]
