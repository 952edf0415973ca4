package io.roomrouter.kit;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/** Game servers {@code game1..gameN} on free 127.0.0.1 ports, all stopped by {@link #close()}. */
public final class GameServers implements AutoCloseable {

    private final List<GameServer> servers = new ArrayList<>();

    private GameServers() {
    }

    public static GameServers start(int count) throws InterruptedException {
        GameServers servers = new GameServers();
        try {
            for (int i = 1; i <= count; i++) {
                servers.add("game" + i);
            }
        } catch (InterruptedException | RuntimeException e) {
            servers.close();
            throw e;
        }
        return servers;
    }

    /** Starts one more server, for instance one to add to HAProxy at runtime. */
    public synchronized GameServer add(String name) throws InterruptedException {
        GameServer server = GameServer.start(name, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        servers.add(server);
        return server;
    }

    public synchronized List<GameServer> all() {
        return List.copyOf(servers);
    }

    public synchronized GameServer get(String name) {
        return servers.stream()
                .filter(s -> s.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("game server: " + name + " (expected one of "
                        + servers + ")"));
    }

    @Override
    public synchronized void close() {
        servers.forEach(GameServer::close);
        servers.clear();
    }
}
