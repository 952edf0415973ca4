package io.roomrouter.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/** A throw-away {@code redis-server} on a free 127.0.0.1 port, persisting nothing. */
final class RedisProcess implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

    private final InetSocketAddress address;
    private final Path logFile;
    private LoggedProcess process;

    private RedisProcess(InetSocketAddress address, Path logFile) {
        this.address = address;
        this.logFile = logFile;
    }

    static RedisProcess start(Path logDir) throws InterruptedException {
        RedisProcess redis = new RedisProcess(FreePort.next(), logDir.resolve("redis.log"));
        redis.launch();
        return redis;
    }

    private synchronized void launch() throws InterruptedException {
        process = LoggedProcess.start("redis", new ProcessBuilder(
                "redis-server", "--port", Integer.toString(address.getPort()), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no"), logFile);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited during start-up:\n" + process.tail());
            }
            if (ping()) {
                return;
            }
            Thread.sleep(50);
        }
        close();
        throw new IllegalStateException("redis-server: no PONG on " + address + " within " + START_TIMEOUT);
    }

    /** SIGKILL, as when Redis's machine dies: clients see their connections reset, and every key is gone. */
    synchronized void kill() throws InterruptedException {
        process.kill();
    }

    /** A new, empty redis-server on the same port, once the killed one is gone. */
    synchronized void restart() throws InterruptedException {
        if (process.isAlive()) {
            throw new IllegalStateException("redis-server: still running as pid " + process.pid()
                    + " (expected: killed before restart)");
        }
        launch();
    }

    InetSocketAddress address() {
        return address;
    }

    /** {@code redis://127.0.0.1:PORT}, as Lettuce takes it. */
    String uri() {
        return "redis://127.0.0.1:" + address.getPort();
    }

    /** True when the server answers PING with PONG. */
    boolean ping() {
        try (Socket socket = new Socket()) {
            socket.connect(address, 200);
            socket.setSoTimeout(1000);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readNBytes(7), StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public synchronized void close() {
        process.close();
    }
}
