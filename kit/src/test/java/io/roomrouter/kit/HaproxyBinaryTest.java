package io.roomrouter.kit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HaproxyBinaryTest {

    @Test
    void withoutRootRunsThePathsHaproxy() {
        assertThat(new HaproxyBinary(Optional.empty()).command(List.of("-c", "-f", "x.cfg")))
                .containsExactly("haproxy", "-c", "-f", "x.cfg");
    }

    @Test
    void aRootsHaproxyRunsThroughTheRootsLoaderAndLibraries(@TempDir Path root) throws IOException {
        executable(root.resolve("lib64/ld-linux-x86-64.so.2"));
        executable(root.resolve("usr/sbin/haproxy"));

        assertThat(new HaproxyBinary(Optional.of(root)).command(List.of("-v"))).containsExactly(
                root.resolve("lib64/ld-linux-x86-64.so.2").toString(),
                "--library-path",
                root.resolve("lib/x86_64-linux-gnu") + ":" + root.resolve("usr/lib/x86_64-linux-gnu"),
                root.resolve("usr/sbin/haproxy").toString(),
                "-v");
    }

    @Test
    void aRootWithoutHaproxyIsRefusedUpFront(@TempDir Path root) throws IOException {
        executable(root.resolve("lib64/ld-linux-x86-64.so.2"));

        assertThatThrownBy(() -> new HaproxyBinary(Optional.of(root)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("usr/sbin/haproxy: not found");
    }

    private static void executable(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    }
}
