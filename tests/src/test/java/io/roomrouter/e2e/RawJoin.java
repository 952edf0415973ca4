package io.roomrouter.e2e;

import io.roomrouter.kit.HttpReply;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A request as an attacker writes it: any target, from a chosen source address, as a WebSocket upgrade or a plain
 * GET (polling), reading the reply and closing. The players of {@link Player} build well-formed URLs only.
 */
final class RawJoin {
    private RawJoin() {}

    /** A WebSocket upgrade of {@code target} (path and query, sent as is) from {@code from}. */
    static HttpReply upgrade(InetSocketAddress via, InetAddress from, String target) throws IOException {
        return send(via, from, target, String.join("\r\n", "Upgrade: websocket", "Connection: Upgrade",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13", ""));
    }

    /** A Socket.IO-style polling request: {@code GET /socket.io/?EIO=4&transport=polling&<query>}. */
    static HttpReply poll(InetSocketAddress via, InetAddress from, String query) throws IOException {
        return send(via, from, "/socket.io/?EIO=4&transport=polling&" + query, "Connection: close\r\n");
    }

    /** A plain GET of {@code target} (path and query, sent as is). */
    static HttpReply send(InetSocketAddress via, InetAddress from, String target) throws IOException {
        return send(via, from, target, "Connection: close\r\n");
    }

    private static HttpReply send(InetSocketAddress via, InetAddress from, String target, String headers)
            throws IOException {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(from, 0));
            socket.connect(via, 5000);
            socket.setSoTimeout(10_000);
            String request = "GET " + target + " HTTP/1.1\r\nHost: game\r\n" + headers + "\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            // a 101 has no body to read (the game server's welcome frame follows); the connection then closes
            return HttpReply.read(new BufferedInputStream(socket.getInputStream()), true);
        }
    }
}
