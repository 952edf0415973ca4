package io.roomrouter.kit;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The agent started as operators start it ({@code bin/room-router --listen ... --haproxy-api ...}), its log lines kept
 * for assertions. The launcher execs the JVM, so the process this kills is the agent's JVM itself. It can be killed and
 * started again on the same port.
 */
public final class AgentProcess implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final ProcessBuilder command;
    private final InetSocketAddress listen;
    private final Path logFile;
    private final List<String> earlierLines = new ArrayList<>();
    private LoggedProcess process;

    private AgentProcess(ProcessBuilder command, InetSocketAddress listen, Path logFile) {
        this.command = command;
        this.listen = listen;
        this.logFile = logFile;
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
        AgentProcess agent = new AgentProcess(command, listen, logDir.resolve("agent.log"));
        agent.launch();
        return agent;
    }

    private synchronized void launch() throws InterruptedException {
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
