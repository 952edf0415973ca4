package io.roomrouter.kit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a test stack started, closed in reverse order, and the temporary directory of its unix sockets (removed
 * with it). Socket paths are limited to about 100 bytes, so the sockets stay out of the deep log directories.
 */
public final class StartedProcesses implements AutoCloseable {
    private final String owner;
    private final Path socketDir;
    private final List<AutoCloseable> started = new ArrayList<>();

    private StartedProcesses(String owner, Path socketDir) {
        this.owner = owner;
        this.socketDir = socketDir;
    }

    /** {@code owner} names the stack in the messages of a failed close. */
    static StartedProcesses create(String owner) {
        try {
            return new StartedProcesses(owner, Files.createTempDirectory("room-router-"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for haproxy's stats sockets", e);
        }
    }

    /** A path for a unix socket named {@code name}. */
    Path socket(String name) {
        return socketDir.resolve(name);
    }

    /** Registers {@code process} to be closed with the others; returns it. */
    <T extends AutoCloseable> T add(T process) {
        started.add(process);
        return process;
    }

    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                // Keep stopping the rest: one stuck process must not leave the others running.
                System.err.println(owner + ": closing " + started.get(i) + " failed: " + e);
            }
        }
        started.clear();
        try (var files = Files.list(socketDir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(socketDir);
        } catch (IOException e) {
            // A stale socket in a temp directory is harmless.
        }
    }
}
