package io.roomrouter.agent;

import java.net.InetSocketAddress;
import java.util.Objects;

/** A {@code HOST:PORT} flag value ({@code [::1]:12345} for IPv6). */
record HostAndPort(String host, int port) {

    HostAndPort {
        Objects.requireNonNull(host, "host");
    }

    static HostAndPort parse(String flag, String value) {
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new OptionsException(flag + ": '" + value + "' (expected: HOST:PORT)");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new OptionsException(flag + ": port '" + value.substring(colon + 1) + "' (expected: 0 to 65535)");
        }
        if (port < 0 || port > 65535) {
            throw new OptionsException(flag + ": port " + port + " (expected: 0 to 65535)");
        }
        return new HostAndPort(host, port);
    }

    InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
