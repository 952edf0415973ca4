package io.roomrouter.kit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Where the repository's files are: the reference HAProxy configuration and the agent's launcher. */
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

    /**
     * {@code bin/room-router}, which starts the agent as operators do; it names the agent jar itself when that is
     * missing (not built by mvn package yet).
     */
    public Path launcher() {
        return existing(root.resolve("bin/room-router"), "the agent's launcher");
    }

    private static Path existing(Path file, String what) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file + ": does not exist (expected: " + what + ")");
        }
        return file;
    }
}
