package io.roomrouter.placement;

import java.util.List;
import java.util.Optional;

/**
 * The words of a decision's {@code reason} (HAProxy's {@code txn.room.reason}, the decision log): both stores give
 * the same reason for the same decision. The Redis store's script ({@code room-router.lua}) cannot call Java, so it
 * spells each of these out itself; {@code PlacementAgreementIT} runs the same cases through both stores and
 * requires the same words.
 */
public final class Reasons {
    /** A new room, placed by {@link PlacementPolicy#choose}. */
    public static final String PLACED = "least-loaded";
    /** A room that lives on a server that keeps rooms. */
    public static final String STICKY = "room lives here";
    /** The memory store's room it did not know and HAProxy's stick table has on a server that keeps rooms. */
    public static final String ADOPTED = "adopted: haproxy's stick table has it here";
    /** The Redis store's room Redis lost and an agent claimed, on a server that keeps rooms. */
    public static final String CLAIMED = "room lives here; kept where an agent knew it";
    /**
     * A room the agent does not know, which HAProxy said its stick table has, refused for a retry because the table
     * did not answer in time: placed anew, it could go elsewhere than its players already in.
     */
    public static final String TABLE_NOT_READ = "room not placed yet; haproxy's stick table has it and did not answer"
            + " in time";
    /** How the reason of a new room refused because its backend holds as many rooms as it may begins. */
    public static final String ROOM_LIMIT_PREFIX = "room limit reached";

    private Reasons() {}

    /** Why a room moves: its server {@code server} is now in {@code state}, or left the backend when empty. */
    public static String serverGone(String server, Optional<ServerState> state) {
        return state.map(s -> "server " + server + " is " + s).orElse("server " + server + " left the backend");
    }

    /** Why a room moves to the fallback named for it: HAProxy has been sending its players there already. */
    public static String toFallback(String gone) {
        return gone + "; to its fallback";
    }

    /**
     * Why a room of {@code size} got no server: each server of the backend, in the snapshot's order, with its load
     * and capacity when it is UP, else its state.
     */
    public static String noServerFits(int size, List<ServerLoad> servers) {
        StringBuilder out = new StringBuilder("no server fits a room of ").append(size).append(": ");
        if (servers.isEmpty()) {
            return out.append("the backend has no servers").toString();
        }
        for (int i = 0; i < servers.size(); i++) {
            ServerLoad server = servers.get(i);
            if (i > 0) {
                out.append(", ");
            }
            out.append(server.name()).append(' ');
            if (server.status().state().takesNewRooms()) {
                out.append(server.load()).append('/').append(server.capacity());
            } else {
                out.append(server.status().state());
            }
        }
        return out.toString();
    }

    /** Why a room whose server is gone ({@link #serverGone}) got no new one. */
    public static String movedButNoServerFits(String gone, int size, List<ServerLoad> servers) {
        return gone + "; " + noServerFits(size, servers);
    }

    /** Why a new room was refused: its backend holds {@code maxRooms} rooms. */
    public static String roomLimit(int maxRooms) {
        return ROOM_LIMIT_PREFIX + " (" + maxRooms + " rooms)";
    }

    /** Why a new room was rejected: its client holds {@code maxPending} rooms still waiting for players. */
    public static String clientBound(int maxPending) {
        return "too many new rooms from this client still waiting for players (at most " + maxPending
                + "); retry when they have filled";
    }
}
