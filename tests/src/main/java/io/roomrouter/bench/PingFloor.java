package io.roomrouter.bench;

import io.roomrouter.kit.LoggedProcess;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@link RedisPingProbe} beside a stack, started with the agent's JVM flags ({@code agent/jvm.options}) so that
 * its JVM is the agent's: what it measures over a phase is the floor under the agents' decision latency in that
 * phase, on the same cores at the same moment. Its pings go to the stack's redis-server, which answers them between
 * the agents' commands.
 */
final class PingFloor implements AutoCloseable {
    // 200 pings a second: a fifth of the paced phase's joins, enough for a p99.9 per run, little next to the
    // thousands of commands the agents send.
    static final long INTERVAL_MICROS = 5_000;

    private final LoggedProcess probe;

    private PingFloor(LoggedProcess probe) {
        this.probe = probe;
    }

    static PingFloor start(Path root, InetSocketAddress redis, Path logFile) {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "@" + root.resolve("agent/jvm.options"), "-Xmx64m",
                "-cp", System.getProperty("java.class.path"), RedisPingProbe.class.getName(),
                redis.getHostString(), Integer.toString(redis.getPort()), Long.toString(INTERVAL_MICROS));
        return new PingFloor(LoggedProcess.startToFile("ping-probe", builder, logFile));
    }

    /**
     * Adds to {@code into} the pings sent from {@code fromMillis} to {@code toMillis} (epoch ms). The probe writes
     * its lines a few times a second: read a few hundred milliseconds after {@code toMillis}.
     *
     * @throws IllegalStateException when the probe has died: a floor with gaps would read lower than it is
     */
    void addBetween(long fromMillis, long toMillis, PingLatency into) {
        if (!probe.isAlive()) {
            List<String> lines = probe.lines();
            throw new IllegalStateException("ping probe: exited (its last line: "
                    + (lines.isEmpty() ? "none" : lines.get(lines.size() - 1)) + ")");
        }
        addBetween(probe.lines(), fromMillis, toMillis, into);
    }

    /** As above, from the probe's {@code lines}: {@code <epoch ms> <round trip us> <wake-up late us>}. */
    static void addBetween(List<String> lines, long fromMillis, long toMillis, PingLatency into) {
        for (String line : lines) {
            String[] fields = line.split(" ", -1);
            if (fields.length != 3) {
                continue; // the line the probe was writing when read; the JVM's own warnings
            }
            try {
                long sentMillis = Long.parseLong(fields[0]);
                if (sentMillis >= fromMillis && sentMillis <= toMillis) {
                    into.add(Long.parseLong(fields[1]), Long.parseLong(fields[2]));
                }
            } catch (NumberFormatException e) {
                // not a sample line
            }
        }
    }

    boolean isAlive() {
        return probe.isAlive();
    }

    @Override
    public void close() {
        probe.close();
    }
}
