package io.roomrouter.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a running process holds, from {@code /proc/<pid>}: its resident memory and its open file descriptors.
 * Any process the bench started, by its pid.
 */
record ProcessFootprint(long rssBytes, int openFiles) {

    static ProcessFootprint of(long pid) throws IOException {
        return new ProcessFootprint(rss(pid), openFiles(pid));
    }

    private static long rss(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.UTF_8)) {
            // "VmRSS:     85512 kB"
            if (line.startsWith("VmRSS:")) {
                String kilobytes = line.substring("VmRSS:".length()).trim().split("\\s+", -1)[0];
                return Long.parseLong(kilobytes) * 1024;
            }
        }
        throw new IOException("/proc/" + pid + "/status: no VmRSS line");
    }

    private static int openFiles(long pid) throws IOException {
        int count = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path ignored : fds) {
                count++;
            }
        }
        return count;
    }
}
