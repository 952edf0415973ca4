package io.roomrouter.store;

import java.util.ArrayList;
import java.util.List;

/**
 * What the script's {@code adopt} did with one room a reconciliation offered it: three values per room,
 * {@code {outcome, server, epoch}}, where the room lives now.
 */
record AdoptReply(RedisReconciler.Kind kind, String server, String epoch) {
    static final int VALUES_PER_ROOM = 3;

    /** The replies of a step of {@code rooms} rooms, in the order they were offered. */
    static List<AdoptReply> of(List<Object> values, int rooms) {
        if (values.size() != VALUES_PER_ROOM * rooms) {
            throw new ScriptValues.ScriptReplyException("adopt reply: " + values.size() + " values (expected: "
                    + VALUES_PER_ROOM + " x " + rooms + " rooms)");
        }
        List<AdoptReply> replies = new ArrayList<>(rooms);
        for (int i = 0; i < VALUES_PER_ROOM * rooms; i += VALUES_PER_ROOM) {
            replies.add(new AdoptReply(ScriptValues.word(values, i, "adopt reply", RedisReconciler.Kind.class),
                    ScriptValues.text(values, i + 1, "adopt reply"), ScriptValues.text(values, i + 2, "adopt reply")));
        }
        return replies;
    }
}
