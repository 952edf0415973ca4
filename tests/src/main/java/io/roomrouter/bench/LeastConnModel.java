package io.roomrouter.bench;

/**
 * HAProxy's {@code balance leastconn} with an insert cookie, as a model: every player is a client of its own, so
 * the cookie never applies and each player goes to the server with the fewest connections among those below their
 * {@code maxconn} (equal ones in turn); refused when every server is full. It knows nothing of rooms: it splits them.
 */
final class LeastConnModel implements SimulatedPlacement {
    private final int capacity;
    private int next;

    LeastConnModel(int capacity) {
        this.capacity = capacity;
    }

    @Override
    public String label() {
        return "leastconn + cookie";
    }

    @Override
    public int join(RoomPlan room, RoomPlan.Seat seat, boolean first, long now, int[] connections) {
        int best = -1;
        for (int k = 0; k < connections.length; k++) {
            int i = (next + k) % connections.length;
            if (connections[i] < capacity && (best < 0 || connections[i] < connections[best])) {
                best = i;
            }
        }
        next = (next + 1) % connections.length;
        return best;
    }
}
