package io.roomrouter.bench;

import io.roomrouter.kit.FreePort;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A real haproxy process on a given configuration, its log in a file, and its runtime API socket. */
final class BenchHaproxy implements AutoCloseable {
    private final Process process;
    private final Path statsSocket;
    private final int port;

    private BenchHaproxy(Process process, Path statsSocket, int port) {
        this.process = process;
        this.statsSocket = statsSocket;
        this.port = port;
    }

    /**
     * Runs {@code haproxy -db -f config} with {@code env} (RR_BIND is set to a free port, RR_STATS_SOCKET to a
     * socket from {@link #socketFor}) and waits until it accepts connections.
     */
    static BenchHaproxy start(Path config, Path workDir, String name, Map<String, String> env)
            throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        int port = FreePort.pick();
        Path socket = socketFor(name);
        Files.createDirectories(socket.getParent());
        Files.deleteIfExists(socket);
        ProcessBuilder builder = new ProcessBuilder(List.of("haproxy", "-db", "-f", config.toString()))
                .redirectErrorStream(true)
                .redirectOutput(workDir.resolve(name + ".log").toFile());
        builder.environment().putAll(env);
        builder.environment().put("RR_BIND", "127.0.0.1:" + port);
        builder.environment().put("RR_STATS_SOCKET", socket.toString());
        Process process = builder.start();
        BenchHaproxy haproxy = new BenchHaproxy(process, socket, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), port)) {
                if (probe.isConnected() && Files.exists(socket)) {
                    return haproxy;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (!process.isAlive() || System.nanoTime() > deadline) {
                haproxy.close();
                throw new IOException("haproxy did not start on " + config + "; see "
                        + workDir.resolve(name + ".log") + ":\n"
                        + Files.readString(workDir.resolve(name + ".log")));
            }
            Thread.sleep(50);
        }
    }

    /**
     * Where the runtime API socket of the haproxy called {@code name} goes: a short directory under the temp
     * directory, as a unix socket path is limited to 107 bytes and the build directory may be deep.
     */
    static Path socketFor(String name) {
        return Path.of(System.getProperty("java.io.tmpdir"), "rr-bench-" + ProcessHandle.current().pid(),
                name + ".sock");
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    Path statsSocket() {
        return statsSocket;
    }

    /** One runtime API command; returns its answer. */
    String command(String command) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(statsSocket));
            channel.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
            StringBuilder out = new StringBuilder();
            while (channel.read(buffer) > 0) {
                buffer.flip();
                out.append(StandardCharsets.US_ASCII.decode(buffer));
                buffer.clear();
            }
            return out.toString();
        }
    }

    @Override
    public void close() {
        ChildProcesses.stop(process);
    }
}
