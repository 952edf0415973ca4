package io.roomrouter.kit;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A WebSocket player (RFC 6455, on a plain socket so that a refused upgrade's status and body stay readable):
 * joins {@code /ws?room=R&player=P} through HAProxy, reads the game server's welcome frame to learn where it
 * landed, and holds the connection until {@link #close()}.
 */
public final class Player implements AutoCloseable {

    private static final String WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final Pattern SERVER = Pattern.compile("\"server\":\"([^\"]*)\"");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int TIMEOUT_MILLIS = (int) TIMEOUT.toMillis();

    private final String room;
    private final String id;
    private final Socket socket;
    private final HttpReply reply;
    private final String server;

    private Player(String room, String id, Socket socket, HttpReply reply, String server) {
        this.room = room;
        this.id = id;
        this.socket = socket;
        this.reply = reply;
        this.server = server;
    }

    /** Joins {@code room} as {@code player}; a refused join (503, 400...) returns a player that is not in. */
    public static Player join(InetSocketAddress via, String room, String player) throws IOException {
        return join(via, room, player, "");
    }

    /** As {@link #join(InetSocketAddress, String, String)}, with extra query parameters such as {@code &size=4}. */
    public static Player join(InetSocketAddress via, String room, String player, String extraQuery)
            throws IOException {
        return join(via, room, player, extraQuery, TIMEOUT);
    }

    /**
     * A join as the benchmarks count it: one not answered within {@code timeout} (HAProxy queues a player behind a
     * full server rather than refusing it) or broken on the socket comes back refused, with status 0 and the
     * failure as its body, instead of throwing.
     */
    public static Player joinOrRefused(InetSocketAddress via, String room, String player, Duration timeout) {
        return joinOrRefused(via, room, player, "", timeout);
    }

    /** As {@link #joinOrRefused(InetSocketAddress, String, String, Duration)}, with extra query parameters. */
    public static Player joinOrRefused(InetSocketAddress via, String room, String player, String extraQuery,
            Duration timeout) {
        try {
            return join(via, room, player, extraQuery, timeout);
        } catch (IOException e) {
            return new Player(room, player, new Socket(), new HttpReply(0, Map.of(), e.toString()), "");
        }
    }

    private static Player join(InetSocketAddress via, String room, String player, String extraQuery,
            Duration timeout) throws IOException {
        Socket socket = new Socket();
        try {
            ClientAddress.bind(socket, via, room, player);
            socket.connect(via, (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            socket.setTcpNoDelay(true);
            byte[] nonce = new byte[16];
            RANDOM.nextBytes(nonce);
            String key = Base64.getEncoder().encodeToString(nonce);
            String request = "GET /ws?room=" + encode(room) + "&player=" + encode(player) + extraQuery
                    + " HTTP/1.1\r\n"
                    + "Host: " + via.getHostString() + ":" + via.getPort() + "\r\n"
                    + "Upgrade: websocket\r\n"
                    + "Connection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: " + key + "\r\n"
                    + "Sec-WebSocket-Version: 13\r\n"
                    + "\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            HttpReply reply = HttpReply.read(in, true);
            if (reply.status() != 101) {
                socket.close();
                return new Player(room, player, socket, reply, "");
            }
            String accept = reply.header("sec-websocket-accept").orElse("");
            if (!accept.equals(acceptFor(key))) {
                throw new IOException("Sec-WebSocket-Accept: '" + accept + "' (expected: " + acceptFor(key) + ")");
            }
            String welcome = readTextFrame(new DataInputStream(in));
            Matcher m = SERVER.matcher(welcome);
            if (!m.find()) {
                throw new IOException("welcome frame: '" + welcome + "' (expected: {\"server\":\"...\",...})");
            }
            return new Player(room, player, socket, reply, m.group(1));
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * One Socket.IO-style polling request ({@code GET /socket.io/?EIO=4&transport=polling&room=R&player=P}), the
     * other kind of join HAProxy asks the agent about; the game server names itself in {@code X-Game-Server}.
     */
    public static HttpReply poll(InetSocketAddress via, String room, String player) throws IOException {
        try (Socket socket = new Socket()) {
            ClientAddress.bind(socket, via, room, player);
            socket.connect(via, TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            String request = "GET /socket.io/?EIO=4&transport=polling&room=" + encode(room)
                    + "&player=" + encode(player) + " HTTP/1.1\r\n"
                    + "Host: " + via.getHostString() + ":" + via.getPort() + "\r\n"
                    + "Connection: close\r\n"
                    + "\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return HttpReply.read(new BufferedInputStream(socket.getInputStream()), true);
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String acceptFor(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1")
                    .digest((key + WEBSOCKET_GUID).getBytes(StandardCharsets.ISO_8859_1));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every JDK", e);
        }
    }

    /** Reads one unfragmented, unmasked text frame (RFC 6455 §5.2), as a server sends it. */
    private static String readTextFrame(DataInputStream in) throws IOException {
        int b0 = in.readUnsignedByte(); // FIN, RSV1-3, opcode
        int b1 = in.readUnsignedByte(); // MASK, payload length
        if (b0 != 0x81) {
            throw new IOException("frame byte 0: 0x" + Integer.toHexString(b0) + " (expected: 0x81, a final text frame)");
        }
        if ((b1 & 0x80) != 0) {
            throw new IOException("server frame is masked (expected: unmasked, RFC 6455 §5.1)");
        }
        long length = b1 & 0x7f;
        if (length == 126) {
            length = in.readUnsignedShort();
        } else if (length == 127) {
            length = in.readLong();
        }
        if (length > 65_536) {
            throw new IOException("welcome frame length: " + length + " (expected: <= 65536)");
        }
        return new String(in.readNBytes((int) length), StandardCharsets.UTF_8);
    }

    public String room() {
        return room;
    }

    public String id() {
        return id;
    }

    /** True when the upgrade succeeded and a game server welcomed the player. */
    public boolean joined() {
        return reply.status() == 101;
    }

    /** The game server that welcomed the player; empty when the join was refused. */
    public Optional<String> server() {
        return joined() ? Optional.of(server) : Optional.empty();
    }

    /** HAProxy's answer to the upgrade: 101, or the refusal with its body. */
    public HttpReply reply() {
        return reply;
    }

    /** {@code X-Room-Decision}, the agent's decision as HAProxy applied it; empty when the agent did not answer. */
    public String decision() {
        return reply.header("x-room-decision").orElse("");
    }

    /**
     * What became of the join, for counting: the decision ({@code placed}, {@code sticky}, {@code retry}...);
     * {@code none} for a player let in with no decision (HAProxy hashed it: the agent did not answer in time); and
     * {@code status <code>} for a refusal that carries none.
     */
    public String outcome() {
        if (!decision().isEmpty()) {
            return decision();
        }
        return joined() ? "none" : "status " + reply.status();
    }

    /** Leaves: a close frame (masked, as clients must), then the socket closes. */
    @Override
    public void close() {
        if (socket.isClosed()) {
            return;
        }
        try {
            // FIN + close opcode, masked payload of 2 bytes (status 1000), zero mask so the payload reads as is.
            socket.getOutputStream().write(new byte[] {(byte) 0x88, (byte) 0x82, 0, 0, 0, 0, 0x03, (byte) 0xe8});
            socket.getOutputStream().flush();
        } catch (IOException e) {
            // The server or HAProxy already closed the connection: nothing left to say.
        } finally {
            try {
                socket.close();
            } catch (IOException e) {
                // Closing a dead socket cannot fail in a way that matters to the game.
            }
        }
    }

    @Override
    public String toString() {
        return id + "@" + room + "->" + (joined() ? server : reply.status());
    }
}
