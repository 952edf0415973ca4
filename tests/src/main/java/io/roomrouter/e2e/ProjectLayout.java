package io.roomrouter.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Where the repository's files are: the reference HAProxy configuration and the agent jar. */
public record ProjectLayout(Path root) {

    /** Set by the build (failsafe) to the repository root; otherwise found by walking up from the cwd. */
    public static final String ROOT_PROPERTY = "roomrouter.root";

    public static ProjectLayout locate() {
        String configured = System.getProperty(ROOT_PROPERTY);
        if (configured != null) {
            return new ProjectLayout(Paths.get(configured).toAbsolutePath().normalize());
        }
        Path cwd = Paths.get("").toAbsolutePath();
        for (Path dir = cwd; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("haproxy/haproxy.cfg")) && Files.isDirectory(dir.resolve("agent"))) {
                return new ProjectLayout(dir);
            }
        }
        throw new IllegalStateException("repository root: not found above " + cwd
                + " (expected: a directory holding haproxy/haproxy.cfg and agent/, or -D" + ROOT_PROPERTY + ")");
    }

    public Path haproxyConfig() {
        return existing(root.resolve("haproxy/haproxy.cfg"), "the reference configuration");
    }

    /** The agent's JVM flags, for the java launcher as {@code @file}. */
    public Path agentJvmOptions() {
        return existing(root.resolve("agent/jvm.options"), "the agent's JVM flags");
    }

    public Path agentJar() {
        return existing(root.resolve("agent/target/room-router-agent.jar"), "built by mvn package");
    }

    private static Path existing(Path file, String what) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file + ": does not exist (expected: " + what + ")");
        }
        return file;
    }
}
