package io.roomrouter.bench;

import io.roomrouter.kit.FreePort;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A throw-away redis-server (no persistence) on a free loopback port, and {@code INFO memory} through redis-cli. */
final class BenchRedis implements AutoCloseable {
    private final Process process;
    private final int port;

    private BenchRedis(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static BenchRedis start(BenchSettings settings, Path workDir) throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        int port = FreePort.pick();
        Process process = new ProcessBuilder(List.of(settings.redisServer(), "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workDir.toString()))
                .redirectErrorStream(true)
                .redirectOutput(workDir.resolve("redis.log").toFile())
                .start();
        BenchRedis redis = new BenchRedis(process, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), port)) {
                if (probe.isConnected()) {
                    return redis;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (!process.isAlive() || System.nanoTime() > deadline) {
                redis.close();
                throw new IOException("redis-server did not start; see " + workDir.resolve("redis.log"));
            }
            Thread.sleep(50);
        }
    }

    String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** {@code used_memory} from {@code INFO memory}, in bytes. */
    long usedMemory() throws IOException, InterruptedException {
        return Long.parseLong(infoField("memory", "used_memory"));
    }

    /** User plus system CPU time of redis-server so far ({@code INFO cpu}), in seconds. */
    double cpuSeconds() throws IOException, InterruptedException {
        String cpu = info("cpu");
        return Double.parseDouble(field(cpu, "cpu", "used_cpu_user"))
                + Double.parseDouble(field(cpu, "cpu", "used_cpu_sys"));
    }

    /** {@code INFO <section>} as redis-cli prints it. */
    String info(String section) throws IOException, InterruptedException {
        Process cli = new ProcessBuilder(List.of("redis-cli", "-p", Integer.toString(port), "INFO", section))
                .redirectErrorStream(true).start();
        String out = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        cli.waitFor();
        return out;
    }

    private String infoField(String section, String name) throws IOException, InterruptedException {
        return field(info(section), section, name);
    }

    private static String field(String info, String section, String name) throws IOException {
        for (String line : info.split("\r?\n", -1)) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1).trim();
            }
        }
        throw new IOException("INFO " + section + ": no " + name + " line in:\n" + info);
    }

    @Override
    public void close() {
        ChildProcesses.stop(process);
    }
}
