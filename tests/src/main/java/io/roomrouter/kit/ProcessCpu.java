package io.roomrouter.kit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time of a running process, from {@code /proc/<pid>/stat}: any process the bench started, by its pid. */
public final class ProcessCpu {
    private static final long CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

    private ProcessCpu() {}

    /** User plus system CPU time of process {@code pid} so far, in seconds. */
    public static double seconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        // Fields after the command name, which is in parentheses and may hold spaces: utime is 14th, stime 15th.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        return ticks / (double) CLOCK_TICKS_PER_SECOND;
    }
}
