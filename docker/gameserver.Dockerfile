# The demo game server (io.roomrouter.kit.GameServer in the tests module): answers each WebSocket player,
# or Socket.IO-style polling request, with the name of the server it landed on.
#
# Build from the repository root (the build context must hold the whole Maven reactor):
#   docker build -f docker/gameserver.Dockerfile -t room-router-gameserver .
#   docker run --rm -p 9001:9001 room-router-gameserver --name game1 --listen 0.0.0.0:9001

FROM maven:3-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# The tests module's own jar plus its runtime dependencies (the agent jar, Netty) in target/lib, run as a
# classpath: no fat jar is needed for a demo. -Dmaven.test.skip also skips compiling the tests themselves.
RUN mvn -B -q -Dmaven.test.skip=true -pl tests -am package \
        org.apache.maven.plugins:maven-dependency-plugin:3.9.0:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory=target/lib \
    && mkdir -p /out/lib \
    && cp tests/target/lib/*.jar /out/lib/ \
    && cp tests/target/room-router-tests-*.jar /out/room-router-tests.jar

FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 roomrouter \
    && useradd --system --uid 10001 --gid roomrouter --no-create-home --home-dir /nonexistent roomrouter
COPY --from=build /out/ /opt/room-router/
USER roomrouter
EXPOSE 9001
# The JVM expands the lib/* wildcard itself, so the exec form needs no shell.
ENTRYPOINT ["java", "-cp", "/opt/room-router/room-router-tests.jar:/opt/room-router/lib/*", "io.roomrouter.kit.GameServer"]
CMD ["--name", "game1", "--listen", "0.0.0.0:9001"]
