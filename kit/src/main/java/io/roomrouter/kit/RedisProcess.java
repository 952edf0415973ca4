package io.roomrouter.kit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A throw-away {@code redis-server} on a free 127.0.0.1 port, persisting nothing, with the controls the fault
 * tests need: kill and restart, stop and resume by signal, and any command ({@link #call}).
 */
public final class RedisProcess implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

    private final String server;
    private final InetSocketAddress address;
    private final Path logFile;
    private LoggedProcess process;
    private boolean stopped;

    private RedisProcess(String server, InetSocketAddress address, Path logFile) {
        this.server = server;
        this.address = address;
        this.logFile = logFile;
    }

    public static RedisProcess start(Path logDir) throws InterruptedException {
        return start("redis-server", logDir);
    }

    /** As {@link #start(Path)}, with {@code server} as the binary: a benchmark may name another build. */
    public static RedisProcess start(String server, Path logDir) throws InterruptedException {
        RedisProcess redis = new RedisProcess(server, FreePort.next(), logDir.resolve("redis.log"));
        redis.launch();
        return redis;
    }

    private synchronized void launch() throws InterruptedException {
        process = LoggedProcess.start("redis", new ProcessBuilder(
                server, "--port", Integer.toString(address.getPort()), "--bind", "127.0.0.1",
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
    public synchronized void kill() throws InterruptedException {
        process.kill();
    }

    /** A new, empty redis-server on the same port, once the killed one is gone. */
    public synchronized void restart() throws InterruptedException {
        if (process.isAlive()) {
            throw new IllegalStateException("redis-server: still running as pid " + process.pid()
                    + " (expected: killed before restart)");
        }
        launch();
    }

    /**
     * SIGSTOP: the server freezes with every connection open, as in a long fork, a swap storm or a VM pause;
     * clients' commands are sent and never answered until {@link #resume()}.
     */
    public synchronized void stop() throws InterruptedException {
        process.signal("STOP");
        stopped = true;
    }

    /** SIGCONT: the stopped server goes on, answering what it was sent meanwhile. */
    public synchronized void resume() throws InterruptedException {
        process.signal("CONT");
        stopped = false;
    }

    /**
     * Sends one command on a connection of its own (so {@code CLIENT KILL} skips it) and returns the reply as text:
     * a status or bulk string as is, an integer in decimal, an array's elements separated by spaces, a nil as
     * {@code ""}. An error reply ({@code -OOM ...}) throws, with the command and the error in the message.
     */
    public String call(String... command) {
        try (Socket socket = new Socket()) {
            socket.connect(address, 1000);
            socket.setSoTimeout(5000);
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            writeAscii(request, "*" + command.length + "\r\n");
            for (String arg : command) {
                byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
                writeAscii(request, "$" + bytes.length + "\r\n");
                request.write(bytes);
                writeAscii(request, "\r\n");
            }
            OutputStream out = socket.getOutputStream();
            request.writeTo(out);
            out.flush();
            return readReply(new BufferedInputStream(socket.getInputStream()), String.join(" ", command));
        } catch (IOException e) {
            throw new UncheckedIOException("redis " + String.join(" ", command), e);
        }
    }

    private static void writeAscii(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
    }

    // RESP2 (https://redis.io/docs/reference/protocol-spec/): a type byte, then the line or the length.
    private static String readReply(InputStream in, String command) throws IOException {
        int type = in.read();
        String line = readLine(in);
        switch (type) {
            case '+', ':' -> {
                return line;
            }
            case '-' -> throw new IllegalStateException("redis " + command + ": " + line);
            case '$' -> {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return "";
                }
                String bulk = new String(in.readNBytes(length), StandardCharsets.UTF_8);
                readLine(in);
                return bulk;
            }
            case '*' -> {
                int count = Integer.parseInt(line);
                List<String> elements = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    elements.add(readReply(in, command));
                }
                return String.join(" ", elements);
            }
            default -> throw new IOException(
                    "redis " + command + ": reply type '" + (char) type + "' (expected: + - : $ *)");
        }
    }

    private static String readLine(InputStream in) throws IOException {
        return WireLine.read(in, StandardCharsets.UTF_8, "a reply");
    }

    public InetSocketAddress address() {
        return address;
    }

    /** {@code redis://127.0.0.1:PORT}, as Lettuce takes it. */
    public String uri() {
        return "redis://127.0.0.1:" + address.getPort();
    }

    /** {@code INFO <section>}, as the server sends it. */
    public String info(String section) {
        return call("INFO", section);
    }

    /** {@code used_memory} from {@code INFO memory}, in bytes. */
    public long usedMemory() {
        return Long.parseLong(infoField(info("memory"), "memory", "used_memory"));
    }

    /** User plus system CPU time of redis-server so far ({@code INFO cpu}), in seconds. */
    public double cpuSeconds() {
        String cpu = info("cpu");
        return Double.parseDouble(infoField(cpu, "cpu", "used_cpu_user"))
                + Double.parseDouble(infoField(cpu, "cpu", "used_cpu_sys"));
    }

    private static String infoField(String info, String section, String name) {
        for (String line : info.split("\r?\n", -1)) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1).trim();
            }
        }
        throw new IllegalStateException("INFO " + section + ": no " + name + " line in:\n" + info);
    }

    /** True when the server answers PING with PONG. */
    public boolean ping() {
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

    // A stopped server would hold SIGTERM pending: it goes on first, so that it can exit as usual.
    @Override
    public synchronized void close() {
        if (stopped) {
            try {
                resume();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                // Still stopped: the SIGKILL that close() sends after its grace period ends it all the same.
            }
        }
        process.close();
    }
}
