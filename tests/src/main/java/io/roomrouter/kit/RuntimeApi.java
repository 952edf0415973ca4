package io.roomrouter.kit;

import io.roomrouter.haproxy.RuntimeApiAddress;
import io.roomrouter.haproxy.RuntimeApiClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * HAProxy's runtime API over its stats socket, through the agent's own client, with the commands the scenarios
 * use; a command HAProxy refuses fails loudly.
 */
public final class RuntimeApi {

    private final Path socket;
    private final RuntimeApiClient client;

    public RuntimeApi(Path socket) {
        this.socket = socket;
        // Generous: the tests share a small machine, and "show stat" must not time out under load.
        this.client = new RuntimeApiClient(
                new RuntimeApiAddress(UnixDomainSocketAddress.of(socket)), Duration.ofSeconds(10));
    }

    public Path socket() {
        return socket;
    }

    /** Sends one command and returns HAProxy's whole answer. */
    public String execute(String command) {
        try {
            return client.execute(command);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
        return Optional.ofNullable(serverColumn(backend, "status").get(server));
    }

    /** The {@code scur} column of {@code show stat}: each server's connections open now, by server name. */
    public Map<String, Integer> currentSessions(String backend) {
        Map<String, Integer> sessions = new TreeMap<>();
        serverColumn(backend, "scur").forEach((server, value) -> sessions.put(server, Integer.parseInt(value)));
        return sessions;
    }

    /** One column of {@code show stat} for every server of {@code backend} (not the BACKEND row), by server. */
    private Map<String, String> serverColumn(String backend, String column) {
        List<String> rows = execute("show stat").lines().toList();
        if (rows.isEmpty() || !rows.get(0).startsWith("# ")) {
            throw new IllegalStateException("runtime API: 'show stat' answered '" + rows + "' (expected: CSV)");
        }
        List<String> header = List.of(rows.get(0).substring(2).split(",", -1));
        int index = header.indexOf(column);
        if (index < 0) {
            throw new IllegalStateException("runtime API: 'show stat' columns " + header + " (expected: " + column
                    + ")");
        }
        Map<String, String> values = new LinkedHashMap<>();
        rows.stream()
                .skip(1)
                .map(row -> row.split(",", -1))
                .filter(cols -> cols.length > index && cols[0].equals(backend) && !cols[1].equals("BACKEND")
                        && !cols[1].equals("FRONTEND"))
                .forEach(cols -> values.putIfAbsent(cols[1], cols[index]));
        return values;
    }

    private void expectSilence(String command) {
        String answer = execute(command).strip();
        if (!answer.isEmpty()) {
            throw new IllegalStateException("runtime API: '" + command + "' answered '" + answer
                    + "' (expected: no output)");
        }
    }
}
