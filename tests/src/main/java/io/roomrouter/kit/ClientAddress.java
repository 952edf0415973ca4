package io.roomrouter.kit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;

/**
 * Where a simulated player connects from. Real players come from addresses of their own, and the reference
 * configuration bounds the rooms still waiting for players per client address ({@code client=src},
 * {@code --max-pending-rooms-per-client}): so each player of each room binds a loopback address of its own
 * (127.x.y.z, all of 127/8 is local on Linux), derived from the room and player ids, whenever it connects to a
 * loopback address. Only the abuse tests connect as one client on purpose.
 */
public final class ClientAddress {
    private ClientAddress() {}

    /** Binds {@code socket} to the player's own loopback address when {@code via} is a loopback address. */
    public static void bind(Socket socket, InetSocketAddress via, String room, String player) throws IOException {
        if (via.getAddress() != null && via.getAddress().isLoopbackAddress()
                && via.getAddress().getAddress().length == 4) {
            socket.bind(new InetSocketAddress(of(room, player), 0));
        }
    }

    /** The loopback address of {@code player} of {@code room}: 127.x.y.z, z from 1 to 254, never 127.0.0.1. */
    public static InetAddress of(String room, String player) {
        int h = (room + "/" + player).hashCode();
        h ^= h >>> 16;
        h *= 0x45d9f3b;
        h ^= h >>> 16;
        int x = (h >>> 16) & 0xff;
        int y = (h >>> 8) & 0xff;
        int z = 1 + Math.floorMod(h, 254);
        if (x == 0 && y == 0 && z == 1) {
            z = 2;
        }
        try {
            return InetAddress.getByAddress(new byte[] {127, (byte) x, (byte) y, (byte) z});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
