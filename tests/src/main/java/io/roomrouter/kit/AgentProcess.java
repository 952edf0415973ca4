package io.roomrouter.kit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The agent started as operators start it ({@code bin/room-router --listen ... --haproxy-api ...}), its log lines kept
 * for assertions. The launcher execs the JVM, so the process this kills is the agent's JVM itself. It can be killed and
 * started again on the same port.
 */
public final class AgentProcess implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    /** A benchmark's agent: up when it says so, its JIT flags may make it slower to start. */
    private static final Duration BENCH_START_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern HEAP_USED = Pattern.compile("total (\\d+)K, used (\\d+)K");

    private final ProcessBuilder command;
    private final InetSocketAddress listen;
    private final Path logFile;
    // A benchmark's agent logs every decision: its output goes to the file, never through this JVM.
    private final boolean toFile;
    private final List<String> earlierLines = new ArrayList<>();
    private LoggedProcess process;

    private AgentProcess(ProcessBuilder command, InetSocketAddress listen, Path logFile, boolean toFile) {
        this.command = command;
        this.listen = listen;
        this.logFile = logFile;
        this.toFile = toFile;
    }

    /**
     * Starts the agent on {@code listen}, reading HAProxy's runtime API at {@code statsSocket}, with
     * {@code extraArgs} such as {@code --room-size 10}; returns once it accepts connections.
     */
    public static AgentProcess start(ProjectLayout layout, InetSocketAddress listen, Path statsSocket,
            List<String> extraArgs, Path logDir) throws InterruptedException {
        return start(layout, listen, statsSocket, List.of(), extraArgs, logDir);
    }

    /**
     * As {@link #start(ProjectLayout, InetSocketAddress, Path, List, Path)}, with {@code jvmFlags} in
     * {@code RR_JAVA_OPTS}, after those of {@code agent/jvm.options} (the JVM keeps the last of a flag given twice),
     * such as {@code -XX:TieredStopAtLevel=1}: what a benchmark compares.
     */
    public static AgentProcess start(ProjectLayout layout, InetSocketAddress listen, Path statsSocket,
            List<String> jvmFlags, List<String> extraArgs, Path logDir) throws InterruptedException {
        List<String> args = new ArrayList<>(List.of(
                "--listen", HostPort.format(listen),
                "--haproxy-api", "unix:" + statsSocket));
        args.addAll(extraArgs);
        ProcessBuilder command = AgentLauncher.processBuilder(layout.launcher(), jvmFlags, args);
        AgentProcess agent = new AgentProcess(command, listen, logDir.resolve("agent.log"), false);
        agent.launch();
        return agent;
    }

    /**
     * The agent as a benchmark runs it: {@code launcher --listen <listen> args...} with {@code jvmFlags} in
     * {@code RR_JAVA_OPTS}, its output going straight to {@code logFile} (not kept in memory: it logs every
     * decision); returns once it logs {@code room-router ready}.
     */
    public static AgentProcess startLoggingToFile(Path launcher, InetSocketAddress listen, List<String> jvmFlags,
            List<String> args, Path logFile) throws InterruptedException {
        List<String> all = new ArrayList<>(List.of("--listen", HostPort.format(listen)));
        all.addAll(args);
        AgentProcess agent =
                new AgentProcess(AgentLauncher.processBuilder(launcher, jvmFlags, all), listen, logFile, true);
        agent.launch();
        return agent;
    }

    private synchronized void launch() throws InterruptedException {
        if (toFile) {
            launchToFile();
            return;
        }
        process = LoggedProcess.start("agent", command, logFile);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "agent exited during start-up: " + command.command() + "\n" + process.tail());
            }
            if (FreePort.listening(listen)) {
                return;
            }
            Thread.sleep(50);
        }
        process.close();
        throw new IllegalStateException("agent: " + HostPort.format(listen) + " not listening within "
                + START_TIMEOUT + ": " + command.command() + "\n" + process.tail());
    }

    private void launchToFile() throws InterruptedException {
        process = LoggedProcess.startToFile("agent", command, logFile);
        long deadline = System.nanoTime() + BENCH_START_TIMEOUT.toNanos();
        while (process.lines().stream().noneMatch(line -> line.contains("room-router ready"))) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.close();
                throw new IllegalStateException("agent did not start (" + String.join(" ", command.command())
                        + ", RR_JAVA_OPTS=" + command.environment().getOrDefault("RR_JAVA_OPTS", "") + "); log "
                        + logFile + ":\n" + String.join("\n", process.lines()));
            }
            Thread.sleep(50);
        }
    }

    public InetSocketAddress listen() {
        return listen;
    }

    /** The pid of the agent running now (a restart changes it), to read its CPU time from {@code /proc}. */
    public synchronized long pid() {
        return process.pid();
    }

    public synchronized boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL, as when the agent's machine dies. */
    public synchronized void kill() throws InterruptedException {
        process.kill();
        earlierLines.addAll(process.lines());
    }

    /** Starts the same command again, once the previous process is gone; its log lines are kept. */
    public synchronized void restart() throws InterruptedException {
        if (process.isAlive()) {
            throw new IllegalStateException("agent: still running as pid " + process.pid()
                    + " (expected: killed before restart)");
        }
        launch();
    }

    /** Every log line of every run, in order. */
    public synchronized List<String> log() {
        List<String> all = new ArrayList<>(earlierLines);
        all.addAll(process.lines());
        return all;
    }

    /** Every decision the agent logged, in order. */
    public List<AgentDecision> decisions() {
        return log().stream().map(AgentDecision::parse).flatMap(Optional::stream).toList();
    }

    /**
     * Every decision the agent logged, once there are at least {@code count} or {@code timeout} has passed: the
     * agent writes its decision lines a few milliseconds after answering (on a thread of its own, in groups).
     */
    public List<AgentDecision> awaitDecisions(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<AgentDecision> decisions = decisions();
        while (decisions.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
            decisions = decisions();
        }
        return decisions;
    }

    /** Waits for a log line of the current run; empty when none came within {@code timeout}. */
    public Optional<String> awaitLine(Predicate<String> matcher, Duration timeout) throws InterruptedException {
        LoggedProcess current;
        synchronized (this) {
            current = process;
        }
        return current.awaitLine(matcher, timeout);
    }

    public Path logFile() {
        return logFile;
    }

    /** Every log line of every run as one text. */
    public String logText() {
        return String.join("\n", log());
    }

    /** User plus system CPU time of the agent's process so far, in seconds. */
    public double cpuSeconds() throws IOException {
        return ProcessCpu.seconds(pid());
    }

    /** Seconds the agent's live threads have waited for a core so far ({@link ProcessCpu#runQueueWaitSeconds}). */
    public double runQueueWaitSeconds() throws IOException {
        return ProcessCpu.runQueueWaitSeconds(pid());
    }

    /** Heap in use now, in bytes, as {@code jcmd GC.heap_info} reports it (without forcing a GC). */
    public long heapUsedBytes() throws IOException, InterruptedException {
        Matcher m = HEAP_USED.matcher(jcmd("GC.heap_info"));
        if (!m.find()) {
            throw new IOException("jcmd GC.heap_info: no 'total ..K, used ..K' line");
        }
        return Long.parseLong(m.group(2)) * 1024;
    }

    /** Heap in use after a full GC: what the live objects take. */
    public long liveHeapBytes() throws IOException, InterruptedException {
        jcmd("GC.run");
        return heapUsedBytes();
    }

    /** Runs {@code jcmd PID COMMAND} on the agent's JVM and returns its output. */
    private String jcmd(String... command) throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(List.of("jcmd", Long.toString(pid())));
        line.addAll(List.of(command));
        Process jcmd = new ProcessBuilder(line).redirectErrorStream(true).start();
        byte[] out = jcmd.getInputStream().readAllBytes();
        if (!jcmd.waitFor(60, TimeUnit.SECONDS)) {
            jcmd.destroyForcibly();
            throw new IOException("jcmd " + String.join(" ", command) + ": no answer in 60s");
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void close() {
        process.close();
    }

    /** SIGSTOP: the agent freezes, its connections stay open, as under a debugger or a starved cgroup. */
    public synchronized void pause() throws InterruptedException {
        process.signal("STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    public synchronized void resume() throws InterruptedException {
        process.signal("CONT");
    }

    /** How a SIGTERM ended the agent: its exit code and how long it took to exit. */
    public record Termination(int exitCode, Duration took) {}

    /**
     * SIGTERM, as {@code docker stop} or systemd stop the agent, and waits until it exits, at most {@code timeout};
     * its log lines are kept for {@link #log()}.
     */
    public synchronized Termination terminate(Duration timeout) throws InterruptedException {
        long start = System.nanoTime();
        process.signal("TERM");
        Optional<Integer> exit = process.awaitExit(timeout);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        if (exit.isEmpty()) {
            throw new IllegalStateException("agent: still running " + timeout + " after SIGTERM:\n" + process.tail());
        }
        // The reader thread may still hold the last lines: the log ends with the exit, so wait for its last line.
        process.awaitLine(line -> line.contains("room-router stopped"), Duration.ofSeconds(2));
        earlierLines.addAll(process.lines());
        return new Termination(exit.get(), took);
    }
}
