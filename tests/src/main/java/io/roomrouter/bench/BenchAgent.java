package io.roomrouter.bench;

import io.roomrouter.kit.AgentLauncher;
import io.roomrouter.kit.FreePort;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The agent run as operators run it, through {@code bin/room-router} (its own JVM with {@code agent/jvm.options}),
 * logging as shipped, stderr redirected to a file. Gives the process's CPU time (from /proc) and heap (from
 * {@code jcmd GC.heap_info}): the launcher execs the JVM, so the process's pid is the JVM's.
 */
final class BenchAgent implements AutoCloseable {
    private static final Pattern HEAP_USED = Pattern.compile("total (\\d+)K, used (\\d+)K");

    private final Process process;
    private final Path log;
    private final InetSocketAddress address;

    private BenchAgent(Process process, Path log, InetSocketAddress address) {
        this.process = process;
        this.log = log;
        this.address = address;
    }

    /**
     * Starts the agent with {@code jvmArgs} and {@code bench.agentJvmArgs} (in {@code RR_JAVA_OPTS}) and
     * {@code agentArgs} (plus {@code --listen}), waits until ready.
     */
    static BenchAgent start(BenchSettings settings, String name, List<String> jvmArgs, List<String> agentArgs)
            throws IOException, InterruptedException {
        int port = FreePort.pick();
        Path log = settings.outDir().resolve(name + ".log");
        Files.createDirectories(log.getParent());
        List<String> jvmFlags = new ArrayList<>(jvmArgs);
        jvmFlags.addAll(settings.agentJvmArgs());
        List<String> args = new ArrayList<>(List.of("--listen", "127.0.0.1:" + port));
        args.addAll(agentArgs);
        ProcessBuilder command = AgentLauncher.processBuilder(settings.launcher(), jvmFlags, args);
        Process process = command
                .redirectOutput(log.toFile())
                .redirectErrorStream(true)
                .start();
        BenchAgent agent = new BenchAgent(process, log, new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!agent.logText().contains("room-router ready")) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                agent.close();
                throw new IOException("agent did not start (" + String.join(" ", command.command())
                        + ", RR_JAVA_OPTS=" + String.join(" ", jvmFlags) + "); log "
                        + log + ":\n" + agent.logText());
            }
            Thread.sleep(50);
        }
        return agent;
    }

    InetSocketAddress address() {
        return address;
    }

    long pid() {
        return process.pid();
    }

    String logText() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    /** User plus system CPU time of the agent's process so far, in seconds. */
    double cpuSeconds() throws IOException {
        return ProcessCpu.seconds(process.pid());
    }

    /** Heap in use now, in bytes, as {@code jcmd GC.heap_info} reports it (without forcing a GC). */
    long heapUsedBytes() throws IOException, InterruptedException {
        Matcher m = HEAP_USED.matcher(Jcmd.run(process.pid(), "GC.heap_info"));
        if (!m.find()) {
            throw new IOException("jcmd GC.heap_info: no 'total ..K, used ..K' line");
        }
        return Long.parseLong(m.group(2)) * 1024;
    }

    /** Heap in use after a full GC: what the live objects take. */
    long liveHeapBytes() throws IOException, InterruptedException {
        Jcmd.run(process.pid(), "GC.run");
        return heapUsedBytes();
    }

    @Override
    public void close() {
        ChildProcesses.stop(process);
    }

    /** Runs {@code jcmd PID COMMAND} and returns its output. */
    static final class Jcmd {
        private Jcmd() {}

        static String run(long pid, String... command) throws IOException, InterruptedException {
            List<String> line = new ArrayList<>(List.of("jcmd", Long.toString(pid)));
            line.addAll(List.of(command));
            Process jcmd = new ProcessBuilder(line).redirectErrorStream(true).start();
            byte[] out = jcmd.getInputStream().readAllBytes();
            if (!jcmd.waitFor(Duration.ofSeconds(60).toSeconds(), TimeUnit.SECONDS)) {
                jcmd.destroyForcibly();
                throw new IOException("jcmd " + String.join(" ", command) + ": no answer in 60s");
            }
            return new String(out, StandardCharsets.UTF_8);
        }
    }
}
