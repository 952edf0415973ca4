package io.roomrouter.store;

import io.roomrouter.haproxy.StuckRoom;
import java.util.function.Predicate;

/**
 * Rooms read back from HAProxy's stick table when the agent starts, before it answers a join: {@link #test} takes
 * each entry as the table streams it (false when it is skipped: its server is gone, DOWN or MAINT, or it has been
 * idle past the idle timeout), then {@link #finish()} puts what was taken in the store, once.
 */
public interface TableReadBack extends Predicate<StuckRoom> {

    /** Puts the rooms taken in the store; returns how many were new to it. */
    int finish();
}
