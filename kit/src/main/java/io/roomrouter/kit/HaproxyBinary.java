package io.roomrouter.kit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which haproxy the tests run: Debian's own ({@code haproxy} on the PATH, 2.6 on Debian 12), or a newer one from a
 * minimal Debian root built by {@code scripts/haproxy-roots.sh}, named by the system property {@value #ROOT_PROPERTY}.
 *
 * <p>A root's haproxy needs the root's newer libc, so it runs through the root's own dynamic loader and libraries
 * rather than in a chroot: the configuration, the runtime API socket and the log stay at the host's paths.
 */
public record HaproxyBinary(Optional<Path> root) {

    /** The root of a newer HAProxy, for example {@code /var/cache/room-router/haproxy/3.4}; unset or empty: the PATH's. */
    public static final String ROOT_PROPERTY = "roomrouter.haproxy.root";

    private static final String LOADER = "lib64/ld-linux-x86-64.so.2";
    private static final String BINARY = "usr/sbin/haproxy";

    public HaproxyBinary {
        root.ifPresent(dir -> {
            for (String file : List.of(LOADER, BINARY)) {
                if (!Files.isExecutable(dir.resolve(file))) {
                    throw new IllegalStateException(dir.resolve(file) + ": not found (expected: a root built by"
                            + " scripts/haproxy-roots.sh, holding its haproxy and its loader)");
                }
            }
        });
    }

    /** The one the build chose through {@value #ROOT_PROPERTY}. */
    public static HaproxyBinary configured() {
        String configured = System.getProperty(ROOT_PROPERTY, "");
        return configured.isBlank()
                ? new HaproxyBinary(Optional.empty())
                : new HaproxyBinary(Optional.of(Paths.get(configured).toAbsolutePath().normalize()));
    }

    /** The command line running this haproxy with {@code args}. */
    public List<String> command(List<String> args) {
        List<String> command = new ArrayList<>();
        root.ifPresentOrElse(dir -> {
            command.add(dir.resolve(LOADER).toString());
            command.add("--library-path");
            command.add(dir.resolve("lib/x86_64-linux-gnu") + ":" + dir.resolve("usr/lib/x86_64-linux-gnu"));
            command.add(dir.resolve(BINARY).toString());
        }, () -> command.add("haproxy"));
        command.addAll(args);
        return command;
    }

    @Override
    public String toString() {
        return root.map(dir -> dir.resolve(BINARY).toString()).orElse("haproxy");
    }
}
