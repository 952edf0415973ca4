package io.roomrouter.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * HAProxy's runtime API over its stats socket: one connection per command, as {@code socat} does; HAProxy
 * answers and closes.
 */
public final class RuntimeApi {

    private final Path socket;

    public RuntimeApi(Path socket) {
        this.socket = socket;
    }

    public Path socket() {
        return socket;
    }

    /** Sends one command and returns HAProxy's whole answer. */
    public String execute(String command) {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer request = StandardCharsets.UTF_8.encode(command + "\n");
            while (request.hasRemaining()) {
                channel.write(request);
            }
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            while (channel.read(buffer) >= 0) {
                answer.write(buffer.array(), 0, buffer.position());
                buffer.clear();
            }
            return answer.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("runtime API " + socket + ": '" + command + "' failed", e);
        }
    }

    /** {@code set maxconn server BACKEND/SERVER N}. */
    public void setMaxconn(String backend, String server, int maxconn) {
        expectSilence("set maxconn server " + backend + "/" + server + " " + maxconn);
    }

    /** {@code set server BACKEND/SERVER state ready|drain|maint}. */
    public void setState(String backend, String server, String state) {
        expectSilence("set server " + backend + "/" + server + " state " + state);
    }

    /** {@code add server BACKEND/SERVER ADDRESS [keywords]} then {@code enable server}: it takes traffic at once. */
    public void addServer(String backend, String server, String address, String keywords) {
        String command = ("add server " + backend + "/" + server + " " + address + " " + keywords).strip();
        String answer = execute(command).strip();
        if (!answer.equals("New server registered.")) {
            throw new IllegalStateException("runtime API: '" + command + "' answered '" + answer
                    + "' (expected: New server registered.)");
        }
        expectSilence("enable server " + backend + "/" + server);
    }

    /** The {@code status} column of {@code show stat} for one server (UP, DOWN, MAINT, DRAIN, no check...). */
    public Optional<String> serverStatus(String backend, String server) {
        List<String> rows = execute("show stat").lines().toList();
        if (rows.isEmpty() || !rows.get(0).startsWith("# ")) {
            throw new IllegalStateException("runtime API: 'show stat' answered '" + rows + "' (expected: CSV)");
        }
        List<String> header = List.of(rows.get(0).substring(2).split(",", -1));
        int status = header.indexOf("status");
        return rows.stream()
                .skip(1)
                .map(row -> row.split(",", -1))
                .filter(cols -> cols.length > status && cols[0].equals(backend) && cols[1].equals(server))
                .map(cols -> cols[status])
                .findFirst();
    }

    private void expectSilence(String command) {
        String answer = execute(command).strip();
        if (!answer.isEmpty()) {
            throw new IllegalStateException("runtime API: '" + command + "' answered '" + answer
                    + "' (expected: no output)");
        }
    }
}
