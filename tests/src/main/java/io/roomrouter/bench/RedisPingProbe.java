package io.roomrouter.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The floor of the shared suite's decision latency: a process of its own, one thread, that sends redis-server a
 * {@code PING} at a steady rate over one blocking connection and prints, per ping, when it was sent and how long the
 * {@code PONG} took ({@code <epoch ms> <round trip us> <wake-up late us>}). A first join through Redis is, at
 * least, one such round trip from a thread that sleeps until Redis answers; this process does nothing else, so its
 * tail is what waiting for a core costs any process on these cores, the agent's work aside. The wake-up lateness
 * is how long after its due time the thread woke to send the ping: a sleeping thread's wait for a core alone.
 *
 * <p>Run as {@code RedisPingProbe <host> <port> <interval us>} until it is killed; {@link PingFloor} starts it.
 */
public final class RedisPingProbe {
    private static final byte[] PING = "PING\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PONG = "+PONG\r\n".getBytes(StandardCharsets.US_ASCII);
    // Lines reach the file a few times a second, not per ping: a write per ping would be a system call the probe
    // makes and the agent does not.
    private static final long FLUSH_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private RedisPingProbe() {}

    public static void main(String[] args) {
        if (args.length != 3) {
            throw new IllegalArgumentException("arguments: " + args.length + " (expected: <host> <port> <interval us>)");
        }
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.US_ASCII);
        try {
            ping(args[0], Integer.parseInt(args[1]), TimeUnit.MICROSECONDS.toNanos(Long.parseLong(args[2])), out);
        } catch (IOException e) {
            // the last line of its log: what PingFloor reports when the probe is found dead
            out.println("ping probe stopped: " + e);
            out.flush();
            System.exit(1);
        }
    }

    private static void ping(String host, int port, long intervalNanos, PrintStream out) throws IOException {
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), 5_000);
            OutputStream toRedis = socket.getOutputStream();
            InputStream fromRedis = socket.getInputStream();
            byte[] reply = new byte[PONG.length];
            long due = System.nanoTime();
            long lastFlush = due;
            while (true) {
                due += intervalNanos;
                long now = System.nanoTime();
                if (due > now) {
                    do { // parkNanos may return early
                        LockSupport.parkNanos(due - now);
                        now = System.nanoTime();
                    } while (now < due);
                } else {
                    due = now; // fell behind: the next ping is due now, not a burst of the missed ones
                }
                long sent = now;
                long late = sent - due;
                toRedis.write(PING);
                readPong(fromRedis, reply);
                long roundTrip = System.nanoTime() - sent;
                out.append(Long.toString(System.currentTimeMillis())).append(' ')
                        .append(Long.toString(roundTrip / 1000)).append(' ')
                        .append(Long.toString(late / 1000)).append('\n');
                if (sent - lastFlush >= FLUSH_NANOS) {
                    out.flush();
                    lastFlush = sent;
                }
            }
        }
    }

    private static void readPong(InputStream in, byte[] reply) throws IOException {
        int read = in.readNBytes(reply, 0, reply.length);
        if (read < reply.length) {
            throw new IOException("redis closed the connection");
        }
        if (!Arrays.equals(reply, PONG)) {
            throw new IOException("reply: " + new String(reply, StandardCharsets.US_ASCII).strip()
                    + " (expected: +PONG)");
        }
    }
}
