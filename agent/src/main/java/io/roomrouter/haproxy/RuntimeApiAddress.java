package io.roomrouter.haproxy;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.InvalidPathException;
import java.util.Objects;

/**
 * Where HAProxy's runtime API listens: a {@code stats socket} line's Unix socket ({@code unix:/run/haproxy.sock})
 * or TCP address ({@code 127.0.0.1:9999}, {@code [::1]:9999}). A TCP address is kept unresolved and resolved at
 * each connection, so a host name follows DNS changes.
 */
public record RuntimeApiAddress(SocketAddress socketAddress) {
    private static final String UNIX_PREFIX = "unix:";
    private static final String EXPECTED = "(expected: unix:/path/to/socket, HOST:PORT or [IPV6]:PORT)";

    public RuntimeApiAddress {
        Objects.requireNonNull(socketAddress, "socketAddress");
        if (!(socketAddress instanceof UnixDomainSocketAddress) && !(socketAddress instanceof InetSocketAddress)) {
            throw new IllegalArgumentException(
                    "socketAddress: " + socketAddress.getClass().getName()
                            + " (expected: UnixDomainSocketAddress or InetSocketAddress)");
        }
    }

    /** Parses {@code unix:/path/to/socket}, {@code HOST:PORT} or {@code [IPV6]:PORT}. */
    public static RuntimeApiAddress parse(String value) {
        Objects.requireNonNull(value, "value");
        if (value.startsWith(UNIX_PREFIX)) {
            String path = value.substring(UNIX_PREFIX.length());
            if (path.isEmpty()) {
                throw invalid(value, "empty socket path");
            }
            try {
                return new RuntimeApiAddress(UnixDomainSocketAddress.of(path));
            } catch (InvalidPathException e) {
                throw invalid(value, e.getMessage());
            }
        }
        int colon = value.lastIndexOf(':');
        if (colon < 0) {
            throw invalid(value, "no port");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
            if (host.indexOf(':') < 0) {
                throw invalid(value, "brackets around a host that is not an IPv6 address");
            }
        } else if (host.indexOf(':') >= 0 || host.indexOf('[') >= 0 || host.indexOf(']') >= 0) {
            throw invalid(value, "an IPv6 address must be in brackets");
        }
        if (host.isEmpty() || host.chars().anyMatch(Character::isWhitespace)) {
            throw invalid(value, "bad host");
        }
        return new RuntimeApiAddress(InetSocketAddress.createUnresolved(host, port(value, value.substring(colon + 1))));
    }

    private static int port(String value, String port) {
        int number;
        try {
            number = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw invalid(value, "port '" + port + "' is not a number");
        }
        if (number < 1 || number > 65535) {
            throw invalid(value, "port " + number + " is not in 1..65535");
        }
        return number;
    }

    private static IllegalArgumentException invalid(String value, String problem) {
        return new IllegalArgumentException("runtime API address: '" + value + "': " + problem + " " + EXPECTED);
    }

    public boolean isUnixSocket() {
        return socketAddress instanceof UnixDomainSocketAddress;
    }

    /** The address as {@link #parse} accepts it. */
    @Override
    public String toString() {
        if (socketAddress instanceof UnixDomainSocketAddress unix) {
            return UNIX_PREFIX + unix.getPath();
        }
        InetSocketAddress inet = (InetSocketAddress) socketAddress;
        String host = inet.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
    }
}
