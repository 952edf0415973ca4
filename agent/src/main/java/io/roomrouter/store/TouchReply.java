package io.roomrouter.store;

import java.util.List;

/**
 * The script's answer to a touch (a join answered from the cache), the first three of its entry's eight values:
 * {@code {still valid, arrival counted, fallback}}; the fallback is the one kept with the room, empty when none.
 */
record TouchReply(boolean valid, boolean arrivalCounted, String fallback) {

    static TouchReply of(List<Object> values) {
        ScriptValues.count(values, RedisJoinBatcher.VALUES_PER_ENTRY, "touch reply");
        return new TouchReply(ScriptValues.flag(values, 0, "touch reply"), ScriptValues.flag(values, 1, "touch reply"),
                ScriptValues.text(values, 2, "touch reply"));
    }
}
