package io.roomrouter.haproxy;

import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.Identifiers;
import io.roomrouter.placement.ServerState;
import io.roomrouter.placement.ServerStatus;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Servers given on the command line ({@code --servers BACKEND=S1,S2,...}) for running without HAProxy's runtime
 * API: every server is UP with the same capacity and no live connections. As nothing ever counts arriving
 * players, a room's seats stay held until its reservation window ends.
 */
public final class StaticInventory implements ServerInventory {
    private static final String EXPECTED = "(expected: BACKEND=S1,S2,...)";

    private final Map<String, BackendSnapshot> backends;
    private final int capacity;

    private StaticInventory(Map<String, BackendSnapshot> backends, int capacity) {
        this.backends = backends;
        this.capacity = capacity;
    }

    /**
     * Parses one {@code BACKEND=S1,S2,...} spec per backend; every server gets {@code capacity}.
     *
     * @throws IllegalArgumentException naming the bad spec when one is malformed, names a backend twice, repeats a
     *     server or has a name outside {@link Identifiers}; or when there is no spec or {@code capacity < 1}
     */
    public static StaticInventory parse(List<String> specs, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("server-capacity: " + capacity + " (expected: >= 1)");
        }
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("servers: none " + EXPECTED);
        }
        long takenAtMillis = System.currentTimeMillis();
        Map<String, BackendSnapshot> backends = new LinkedHashMap<>();
        for (String spec : specs) {
            int equals = spec.indexOf('=');
            if (equals <= 0 || equals == spec.length() - 1) {
                throw invalid(spec, EXPECTED);
            }
            String backend = spec.substring(0, equals);
            check(spec, "backend", backend);
            if (backends.containsKey(backend)) {
                throw invalid(spec, "(expected: each backend once; '" + backend + "' is given before)");
            }
            List<ServerStatus> servers = new ArrayList<>();
            Set<String> names = new HashSet<>();
            // The limit -1 keeps trailing empty names, so that "be=s1," is reported rather than silently accepted.
            for (String server : spec.substring(equals + 1).split(",", -1)) {
                check(spec, "server", server);
                if (!names.add(server)) {
                    throw invalid(spec, "(expected: distinct servers; '" + server + "' is repeated)");
                }
                servers.add(new ServerStatus(server, ServerState.UP, capacity, 0));
            }
            backends.put(backend, new BackendSnapshot(backend, servers, takenAtMillis));
        }
        return new StaticInventory(Map.copyOf(backends), capacity);
    }

    private static void check(String spec, String kind, String name) {
        Optional<String> problem = Identifiers.problem(kind, name);
        if (problem.isPresent()) {
            throw invalid(spec, problem.get());
        }
    }

    private static IllegalArgumentException invalid(String spec, String problem) {
        return new IllegalArgumentException("servers: '" + spec + "' " + problem);
    }

    @Override
    public Optional<BackendSnapshot> backend(String backend) {
        return Optional.ofNullable(backends.get(backend));
    }

    @Override
    public Collection<BackendSnapshot> backends() {
        return backends.values();
    }

    @Override
    public String describe() {
        return "static "
                + backends.values().stream()
                        .map(b -> b.backend() + "="
                                + b.servers().stream().map(ServerStatus::name).collect(Collectors.joining(",")))
                        .sorted()
                        .collect(Collectors.joining(" "))
                + " (capacity " + capacity + ")";
    }

    @Override
    public void close() {}
}
