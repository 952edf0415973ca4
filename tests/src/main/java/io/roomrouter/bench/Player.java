package io.roomrouter.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * One player's WebSocket join through HAProxy, held open as the seat it takes. {@link #server()} is the game
 * server that answered (its {@code X-Server} header); empty when the join was refused (any status but 101, or no
 * answer within the timeout, e.g. queued behind a full server).
 */
final class Player implements AutoCloseable {
    private static final int TIMEOUT_MILLIS = 500;
    /** Every player sends RFC 6455's sample key, so the server's answer is the RFC's sample accept value. */
    static final String WEBSOCKET_KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    /** HAProxy checks it: a 101 without the right Sec-WebSocket-Accept becomes a 502. */
    static final String WEBSOCKET_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    private final Socket socket;
    private final Optional<String> server;

    private Player(Socket socket, Optional<String> server) {
        this.socket = socket;
        this.server = server;
    }

    static Player join(int port, String room, String player) {
        Socket socket = new Socket();
        try {
            java.net.InetSocketAddress via = new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            io.roomrouter.kit.ClientAddress.bind(socket, via, room, player);
            socket.connect(via, TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /ws?room=" + room + "&player=" + player + " HTTP/1.1\r\nHost: game\r\n"
                    + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: " + WEBSOCKET_KEY + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String head = readHead(socket.getInputStream());
            if (!head.startsWith("HTTP/1.1 101")) {
                socket.close();
                return new Player(socket, Optional.empty());
            }
            for (String line : head.split("\r\n", -1)) {
                if (line.toLowerCase(Locale.ROOT).startsWith("x-server:")) {
                    return new Player(socket, Optional.of(line.substring(line.indexOf(':') + 1).trim()));
                }
            }
            throw new IllegalStateException("101 without X-Server: " + head);
        } catch (SocketTimeoutException e) {
            closeQuietly(socket);
            return new Player(socket, Optional.empty());
        } catch (IOException e) {
            closeQuietly(socket);
            return new Player(socket, Optional.empty());
        }
    }

    Optional<String> server() {
        return server;
    }

    @Override
    public void close() {
        closeQuietly(socket);
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.length() < 8192) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
            if (head.length() >= 4 && head.lastIndexOf("\r\n\r\n") == head.length() - 4) {
                break;
            }
        }
        return head.toString();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a seat: nothing to do about it
        }
    }
}
