package io.roomrouter.haproxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Sends one command to HAProxy's runtime API and reads the whole answer: in non-interactive mode HAProxy
 * answers one command and closes the connection, so the answer ends at end-of-stream.
 *
 * <p>Each call blocks its thread for up to {@code timeout} to connect and up to {@code timeout} between two reads:
 * call it from a background thread, never from a Netty event loop. A {@link SocketChannel} has no timeouts of its
 * own (and a Unix one has no {@code Socket} adaptor to set them on), so the channel is non-blocking and each
 * wait is a bounded {@link Selector#select(long)}. The client holds no connection between calls and may be
 * shared by threads.
 *
 * @see <a href="https://docs.haproxy.org/2.6/management.html#9.3">HAProxy management guide, Unix Socket commands</a>
 */
public final class RuntimeApiClient {
    /** How long a connection or a read may take by default. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);

    /** A bound on an answer: {@code show stat} is about 500 bytes per server, so this is far above any real one. */
    static final int MAX_ANSWER_BYTES = 64 * 1024 * 1024;

    /** A bound on one line of a streamed answer: a {@code show table} entry is under 200 bytes. */
    static final int MAX_LINE_BYTES = 64 * 1024;

    private final RuntimeApiAddress address;
    private final long timeoutMillis;

    public RuntimeApiClient(RuntimeApiAddress address) {
        this(address, DEFAULT_TIMEOUT);
    }

    public RuntimeApiClient(RuntimeApiAddress address, Duration timeout) {
        this.address = Objects.requireNonNull(address, "address");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
        }
        this.timeoutMillis = timeout.toMillis();
    }

    public RuntimeApiAddress address() {
        return address;
    }

    /**
     * Sends {@code command} (such as {@code show stat} or {@code set server be/s1 state maint}) and returns HAProxy's
     * whole answer as it sent it. HAProxy reports a refused command in the answer text ({@code No such server.}),
     * not as an error: callers that change state check the text.
     *
     * @throws IOException when HAProxy cannot be reached, the connection fails or a timeout passes
     */
    public String execute(String command) throws IOException {
        ByteArrayOutputStream answer = new ByteArrayOutputStream(8192);
        exchange(command, (bytes, length) -> {
            if (answer.size() + length > MAX_ANSWER_BYTES) {
                throw new IOException("answer to '" + command + "': more than " + MAX_ANSWER_BYTES
                        + " bytes (expected: <= " + MAX_ANSWER_BYTES + ")");
            }
            answer.write(bytes, 0, length);
            return true;
        });
        return answer.toString(StandardCharsets.UTF_8);
    }

    /**
     * Sends {@code command} and hands HAProxy's answer to {@code line} one line at a time as it arrives (without
     * its line feed), so that an answer of any length is never held whole, such as {@code show table} of a table
     * with a million entries. When {@code line} returns false the connection is closed and the rest of the answer
     * is not read: HAProxy stops the dump. A line longer than {@link #MAX_LINE_BYTES} fails the call. The timeout
     * bounds the connection and the silence between two reads, not the whole answer.
     *
     * @throws IOException when HAProxy cannot be reached, the connection fails or a timeout passes
     */
    public void stream(String command, Predicate<String> line) throws IOException {
        Objects.requireNonNull(line, "line");
        ByteArrayOutputStream pending = new ByteArrayOutputStream(256);
        boolean[] stopped = new boolean[1];
        exchange(command, (bytes, length) -> {
            int start = 0;
            for (int i = 0; i < length; i++) {
                if (bytes[i] != '\n') {
                    continue;
                }
                pending.write(bytes, start, i - start);
                start = i + 1;
                String text = pending.toString(StandardCharsets.UTF_8);
                pending.reset();
                if (!line.test(text)) {
                    stopped[0] = true;
                    return false;
                }
            }
            if (pending.size() + length - start > MAX_LINE_BYTES) {
                throw new IOException("answer to '" + command + "': a line longer than " + MAX_LINE_BYTES + " bytes");
            }
            pending.write(bytes, start, length - start);
            return true;
        });
        if (!stopped[0] && pending.size() > 0) {
            boolean unused = line.test(pending.toString(StandardCharsets.UTF_8)); // a last line without a line feed
        }
    }

    /** Where {@link #exchange} hands each piece of the answer; false to stop reading. */
    private interface Chunks {
        boolean accept(byte[] bytes, int length) throws IOException;
    }

    private void exchange(String command, Chunks chunks) throws IOException {
        Objects.requireNonNull(command, "command");
        if (command.isEmpty() || command.indexOf('\n') >= 0 || command.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("command: '" + command + "' (expected: one non-empty line)");
        }
        try {
            SocketAddress target = target();
            try (SocketChannel channel = SocketChannel.open(family(target));
                    Selector selector = Selector.open()) {
                channel.configureBlocking(false);
                SelectionKey key = channel.register(selector, 0);
                connect(channel, target, selector, key);
                write(channel, selector, key, ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8)));
                read(channel, selector, key, chunks);
            }
        } catch (IOException e) {
            throw new IOException("runtime API " + address + ": '" + command + "' failed: " + e, e);
        }
    }

    private SocketAddress target() throws UnknownHostException {
        if (address.isUnixSocket()) {
            return address.socketAddress();
        }
        InetSocketAddress unresolved = (InetSocketAddress) address.socketAddress();
        InetSocketAddress resolved = new InetSocketAddress(unresolved.getHostString(), unresolved.getPort());
        if (resolved.isUnresolved()) {
            throw new UnknownHostException(unresolved.getHostString());
        }
        return resolved;
    }

    private static ProtocolFamily family(SocketAddress target) {
        if (target instanceof InetSocketAddress inet) {
            // The channel's family must match the address: an IPv6 address needs an INET6 channel.
            return inet.getAddress() instanceof Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
        }
        return StandardProtocolFamily.UNIX;
    }

    private void connect(SocketChannel channel, SocketAddress target, Selector selector, SelectionKey key)
            throws IOException {
        if (channel.connect(target)) {
            return;
        }
        key.interestOps(SelectionKey.OP_CONNECT);
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (!channel.finishConnect()) {
            await(selector, deadline, "connect");
        }
    }

    private void write(SocketChannel channel, Selector selector, SelectionKey key, ByteBuffer request)
            throws IOException {
        key.interestOps(SelectionKey.OP_WRITE);
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (request.hasRemaining()) {
            if (channel.write(request) == 0) {
                await(selector, deadline, "write");
            }
        }
    }

    private void read(SocketChannel channel, Selector selector, SelectionKey key, Chunks chunks) throws IOException {
        key.interestOps(SelectionKey.OP_READ);
        ByteBuffer buffer = ByteBuffer.allocate(16384);
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        for (;;) {
            int n = channel.read(buffer);
            if (n < 0) {
                return;
            }
            if (n == 0) {
                await(selector, deadline, "read");
                continue;
            }
            if (!chunks.accept(buffer.array(), n)) {
                return;
            }
            buffer.clear();
            // The timeout bounds the silence between two reads, not the whole answer.
            deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        }
    }

    private void await(Selector selector, long deadlineNanos, String what) throws IOException {
        long leftMillis = (deadlineNanos - System.nanoTime()) / 1_000_000L;
        if (leftMillis <= 0) {
            throw new SocketTimeoutException(what + " timed out after " + timeoutMillis + " ms");
        }
        selector.select(leftMillis);
        selector.selectedKeys().clear();
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedIOException(what + " interrupted");
        }
    }

    @Override
    public String toString() {
        return "RuntimeApiClient[" + address + ", timeout=" + timeoutMillis + "ms]";
    }
}
