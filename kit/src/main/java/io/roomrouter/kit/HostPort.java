package io.roomrouter.kit;

import java.net.InetSocketAddress;

/** Parses and prints {@code host:port}, the address form every command-line flag here uses. */
public final class HostPort {

    private HostPort() {
    }

    public static InetSocketAddress parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("address: " + hostPort + " (expected: host:port)");
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("address: " + hostPort + " (expected: host:port)", e);
        }
        return new InetSocketAddress(hostPort.substring(0, colon), port);
    }

    public static String format(InetSocketAddress address) {
        // The numeric address when there is one: "localhost" could resolve to ::1 in another process.
        String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
        return host + ":" + address.getPort();
    }
}
