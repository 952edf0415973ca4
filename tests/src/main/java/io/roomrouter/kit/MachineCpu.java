package io.roomrouter.kit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The machine's CPU time so far, from the first line of {@code /proc/stat}: how busy all its cores were between two
 * readings, whoever kept them busy. A latency measured beside it says whether a slow answer waited for a core.
 */
public record MachineCpu(long busyTicks, long totalTicks) {

    /** Now. */
    public static MachineCpu read() throws IOException {
        String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0);
        // cpu user nice system idle iowait irq softirq steal guest guest_nice: guest time is already in user.
        String[] fields = cpu.trim().split("\\s+", -1);
        long total = 0;
        for (int i = 1; i <= 8 && i < fields.length; i++) {
            total += Long.parseLong(fields[i]);
        }
        long idle = Long.parseLong(fields[4]) + Long.parseLong(fields[5]);
        return new MachineCpu(total - idle, total);
    }

    /** The share of the cores' time that was busy since {@code before}, from 0 to 1. */
    public double busyShareSince(MachineCpu before) {
        long total = totalTicks - before.totalTicks;
        return total == 0 ? 0 : (busyTicks - before.busyTicks) / (double) total;
    }
}
