package io.roomrouter.kit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Loopback ports: one that was free a moment ago, for processes that must be told their port, and whether a process
 * listens on one yet.
 *
 * <p>Ports are taken below the kernel's ephemeral range ({@code net.ipv4.ip_local_port_range}), where no outgoing
 * connection takes its source port. A port the kernel handed out for a bind to port 0 comes from that range, the
 * one every client socket of a test draws from: between the pick and the process binding it (an agent binds its
 * SPOP port only after its start-up and warm-up, seconds later), a player's or HAProxy's connection took it as its
 * source port, and the agent stopped with "Address already in use" (seen once in a ten-run shared benchmark, whose
 * runs open some 60 000 loopback connections each: a player's to HAProxy and HAProxy's to a game server for each of
 * 30 000 joins). Ports are handed out in turn from a random start, so that one JVM never hands out a port twice
 * before it has gone round the whole range.
 */
public final class FreePort {
    /** The lowest port handed out: above the well-known and most registered service ports. */
    static final int LOWEST = 20_000;
    /** The ephemeral range's start where the kernel does not say (Linux's default). */
    static final int EPHEMERAL_DEFAULT = 32_768;
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    private static final int BELOW = ephemeralStart(EPHEMERAL_RANGE);
    private static final AtomicInteger CURSOR = new AtomicInteger(ThreadLocalRandom.current().nextInt(1 << 20));

    private FreePort() {
    }

    public static InetSocketAddress next() {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        int span = BELOW - LOWEST;
        if (span < 1_000) {
            return anyFree(loopback); // the ephemeral range covers nearly every port: nothing to keep apart from
        }
        for (int tries = 0; tries < span; tries++) {
            int port = LOWEST + Math.floorMod(CURSOR.getAndIncrement(), span);
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(loopback, port), 1);
                return new InetSocketAddress(loopback, port);
            } catch (IOException taken) {
                // in use: the next one
            }
        }
        throw new UncheckedIOException(new IOException("no free port on 127.0.0.1 from " + LOWEST + " to "
                + (BELOW - 1)));
    }

    /** As {@link #next()}, its port alone: for flags and environment variables that take a port. */
    public static int pick() {
        return next().getPort();
    }

    /** True when something accepts TCP connections at {@code address} now. */
    public static boolean listening(InetSocketAddress address) {
        try (Socket socket = new Socket()) {
            socket.connect(address, 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The first port of the ephemeral range {@code file} gives ({@code "32768\t60999"}), or Linux's default. */
    static int ephemeralStart(Path file) {
        try {
            // Not Files.readString, which read "3" of "32768\t60999" here (/proc gives the file's size as 0).
            String range = String.join(" ", Files.readAllLines(file, StandardCharsets.US_ASCII)).strip();
            int end = 0;
            while (end < range.length() && Character.isDigit(range.charAt(end))) {
                end++;
            }
            return Integer.parseInt(range.substring(0, end));
        } catch (IOException | RuntimeException e) {
            return EPHEMERAL_DEFAULT;
        }
    }

    private static InetSocketAddress anyFree(InetAddress loopback) {
        try (ServerSocket socket = new ServerSocket(0, 1, loopback)) {
            return new InetSocketAddress(loopback, socket.getLocalPort());
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }
}
