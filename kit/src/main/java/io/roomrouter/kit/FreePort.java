package io.roomrouter.kit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * Loopback ports: one that was free a moment ago, for processes that must be told their port, and whether a process
 * listens on one yet.
 */
public final class FreePort {

    private FreePort() {
    }

    public static InetSocketAddress next() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), socket.getLocalPort());
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
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
}
