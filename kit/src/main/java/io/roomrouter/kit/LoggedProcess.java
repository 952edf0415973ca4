package io.roomrouter.kit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A child process whose stdout and stderr lines are kept in memory, for assertions, and appended to a log file,
 * for people; or, for a process that logs a line per request under a benchmark, written by the process straight to
 * the file and read from there only when asked ({@link #startToFile}). {@link #close()} stops it (SIGTERM, then
 * SIGKILL) so no process outlives its test.
 */
public final class LoggedProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Path logFile;
    private final List<String> lines = new ArrayList<>();
    // False for startToFile(): the lines are in the log file only.
    private final boolean keepsLines;
    // If the JVM exits without close() (a test run cut short), the child must not outlive it.
    private final Thread reaper;

    private LoggedProcess(String name, Process process, Path logFile, boolean keepsLines) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
        this.keepsLines = keepsLines;
        this.reaper = new Thread(process::destroyForcibly, name + "-reaper");
    }

    public static LoggedProcess start(String name, ProcessBuilder builder, Path logFile) {
        try {
            Files.createDirectories(logFile.toAbsolutePath().getParent());
            Process process = builder.redirectErrorStream(true).start();
            LoggedProcess logged = new LoggedProcess(name, process, logFile, true);
            Runtime.getRuntime().addShutdownHook(logged.reaper);
            Thread reader = new Thread(logged::pump, name + "-log");
            reader.setDaemon(true);
            reader.start();
            return logged;
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": cannot start " + builder.command(), e);
        }
    }

    /**
     * As {@link #start}, the process's stdout and stderr going straight to {@code logFile} (replaced): no thread of
     * this JVM reads them and no line is kept in memory, so a benchmark's process logging every request costs the
     * measuring JVM nothing. {@link #lines()} reads the file.
     */
    public static LoggedProcess startToFile(String name, ProcessBuilder builder, Path logFile) {
        try {
            Files.createDirectories(logFile.toAbsolutePath().getParent());
            Process process = builder.redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
            LoggedProcess logged = new LoggedProcess(name, process, logFile, false);
            Runtime.getRuntime().addShutdownHook(logged.reaper);
            return logged;
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": cannot start " + builder.command(), e);
        }
    }

    private void pump() {
        try (BufferedReader in = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                Writer out = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                }
                out.write(line);
                out.write('\n');
                out.flush();
            }
        } catch (IOException e) {
            // The process went away mid-line or the log file is unwritable: the lines kept so far stay readable.
        }
    }

    public String name() {
        return name;
    }

    public Path logFile() {
        return logFile;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public List<String> lines() {
        if (!keepsLines) {
            try {
                return Files.exists(logFile) ? Files.readAllLines(logFile, StandardCharsets.UTF_8) : List.of();
            } catch (IOException e) {
                throw new UncheckedIOException(name + ": cannot read " + logFile, e);
            }
        }
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** Waits for the first line, old or new, that matches; empty when none came within {@code timeout}. */
    public Optional<String> awaitLine(Predicate<String> matcher, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!keepsLines) {
            while (true) {
                Optional<String> line = lines().stream().filter(matcher).findFirst();
                if (line.isPresent() || System.nanoTime() > deadline) {
                    return line;
                }
                Thread.sleep(50);
            }
        }
        synchronized (lines) {
            int seen = 0;
            while (true) {
                for (; seen < lines.size(); seen++) {
                    if (matcher.test(lines.get(seen))) {
                        return Optional.of(lines.get(seen));
                    }
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return Optional.empty();
                }
                lines.wait(Math.min(left, 100));
            }
        }
    }

    /** The last lines, to explain in an exception why the process is not doing what was expected. */
    public String tail() {
        List<String> all = lines();
        return String.join("\n", all.subList(Math.max(0, all.size() - 30), all.size()));
    }

    /** SIGKILL: the process gets no chance to say goodbye, as when a machine dies. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down: the reaper runs anyway.
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Sends {@code signal} ({@code STOP}, {@code CONT}, {@code TERM}...) with kill(1): Java's API has only TERM and KILL. */
    public void signal(String signal) throws InterruptedException {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                    .redirectErrorStream(true).start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException(name + ": kill -" + signal + " " + process.pid() + " failed: "
                        + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": cannot run kill -" + signal, e);
        }
    }

    /** Waits for the process to exit; its exit code, or empty when it still runs after {@code timeout}. */
    public Optional<Integer> awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            return Optional.empty();
        }
        return Optional.of(process.exitValue());
    }
}
