package io.roomrouter.e2e;

import io.roomrouter.kit.Player;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Where the players of each room landed: the rooms' servers, the split rooms, and rooms per server. */
public final class RoomReport {

    /** One room: the servers its players landed on, how many got in, were refused, and the decisions seen. */
    public record Room(String room, Set<String> servers, String home, int joined, int refused,
            Map<String, Long> decisions) {

        public boolean split() {
            return servers.size() > 1;
        }
    }

    private final Map<String, Room> rooms;

    private RoomReport(Map<String, Room> rooms) {
        this.rooms = rooms;
    }

    /** Groups the players by room; rooms stay in the order their first player appears. */
    public static RoomReport of(Collection<Player> players) {
        Map<String, List<Player>> byRoom = players.stream()
                .collect(Collectors.groupingBy(Player::room, LinkedHashMap::new, Collectors.toList()));
        Map<String, Room> rooms = new LinkedHashMap<>();
        byRoom.forEach((room, members) -> rooms.put(room, summarize(room, members)));
        return new RoomReport(rooms);
    }

    private static Room summarize(String room, List<Player> members) {
        List<String> servers = members.stream().flatMap(p -> p.server().stream()).toList();
        // The server most of the room is on; on a tie, the one the earliest player got.
        Map<String, Long> counts = servers.stream()
                .collect(Collectors.groupingBy(Function.identity(), LinkedHashMap::new, Collectors.counting()));
        String home = counts.entrySet().stream()
                .max(Map.Entry.comparingByValue())
                .map(Map.Entry::getKey)
                .orElse("");
        Map<String, Long> decisions = members.stream()
                .map(Player::outcome)
                .collect(Collectors.groupingBy(Function.identity(), TreeMap::new, Collectors.counting()));
        int joined = servers.size();
        return new Room(room, new TreeSet<>(servers), home, joined, members.size() - joined, decisions);
    }

    public Collection<Room> rooms() {
        return rooms.values();
    }

    public Room room(String room) {
        Room found = rooms.get(room);
        if (found == null) {
            throw new IllegalArgumentException("room: " + room + " (expected one of " + rooms.keySet() + ")");
        }
        return found;
    }

    /** Rooms whose players landed on more than one server. */
    public List<Room> splitRooms() {
        return rooms.values().stream().filter(Room::split).toList();
    }

    /** How many rooms call each server home, by server name; servers with no room are absent. */
    public Map<String, Integer> roomsPerServer() {
        return rooms.values().stream()
                .filter(r -> !r.home().isEmpty())
                .collect(Collectors.toMap(Room::home, r -> 1, Integer::sum, TreeMap::new));
    }

    /** One line per room: {@code room -> server, players, decisions}. */
    public String table() {
        int width = rooms.keySet().stream().mapToInt(String::length).max().orElse(4);
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "%-" + width + "s  %-14s %7s %7s  %s",
                "room", "server", "joined", "refused", "decisions"));
        for (Room r : rooms.values()) {
            lines.add(String.format(Locale.ROOT, "%-" + width + "s  %-14s %7d %7d  %s", r.room(),
                    r.split() ? "SPLIT " + r.servers() : r.home(), r.joined(), r.refused(), r.decisions()));
        }
        return String.join("\n", lines);
    }

    /** {@code 30 rooms, 300 players joined, 0 refused; rooms per server {game1=10, ...}; rooms split: 0}. */
    public String summary() {
        int joined = rooms.values().stream().mapToInt(Room::joined).sum();
        int refused = rooms.values().stream().mapToInt(Room::refused).sum();
        return rooms.size() + " rooms, " + joined + " players joined, " + refused + " refused; rooms per server "
                + roomsPerServer() + "; rooms split: " + splitRooms().size();
    }

    /** The spread of rooms over {@code servers}: most rooms on one server minus fewest (0 when absent). */
    public int spread(Collection<String> servers) {
        Map<String, Integer> perServer = roomsPerServer();
        List<Integer> counts = servers.stream().map(s -> perServer.getOrDefault(s, 0)).toList();
        return counts.stream().max(Comparator.naturalOrder()).orElse(0)
                - counts.stream().min(Comparator.naturalOrder()).orElse(0);
    }
}
