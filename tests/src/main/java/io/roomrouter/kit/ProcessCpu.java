package io.roomrouter.kit;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * CPU time of a running process, from {@code /proc/<pid>/stat}, and the time its threads waited for a core, from
 * {@code /proc/<pid>/task/<tid>/schedstat}: any process the bench started, by its pid.
 */
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

    /**
     * The time the live threads of process {@code pid} have spent runnable but not running (waiting in the
     * scheduler's run queue for a core) so far, in seconds: on a shared CPU, the part of a slow answer that is
     * nobody's work. A thread that ended takes its count with it, so read it across a phase whose threads live on.
     */
    public static double runQueueWaitSeconds(long pid) throws IOException {
        long nanos = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    // schedstat: time on a core, time waiting in the run queue (both ns), slices run.
                    nanos += Long.parseLong(Files.readString(task.resolve("schedstat")).trim().split(" ", -1)[1]);
                } catch (NoSuchFileException e) {
                    // the thread ended between the listing and the read; its wait is gone with it
                }
            }
        }
        return nanos / 1e9;
    }
}
