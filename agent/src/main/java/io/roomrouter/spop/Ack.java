package io.roomrouter.spop;

import java.util.List;

/** ACK (type 103): answers the NOTIFY with the same stream-id and frame-id. */
public record Ack(long streamId, long frameId, List<SpopAction> actions) implements SpopFrame {

    public Ack {
        actions = List.copyOf(actions);
    }

    /**
     * This ACK, or one with its last actions dropped, whose frame fits {@code maxFrameSize} (the connection's
     * negotiated size, not counting the 4-byte length): an answer loses what it says last rather than the whole
     * frame. The first {@code keep} actions always stay; whoever builds the ACK orders its actions by importance.
     */
    public Ack fittedTo(int maxFrameSize, int keep) {
        if (sizeBound() <= maxFrameSize) {
            return this; // always, at HAProxy's usual 16380 bytes: no need to measure what the encoder measures again
        }
        Ack fitted = this;
        while (SpopFrameEncoder.encodedSize(fitted) - Integer.BYTES > maxFrameSize && fitted.actions.size() > keep) {
            fitted = new Ack(streamId, frameId, fitted.actions.subList(0, fitted.actions.size() - 1));
        }
        return fitted;
    }

    // An upper bound of the encoded size from string lengths alone (a char is at most 3 UTF-8 bytes): type, flags,
    // two varint ids, then per action its type, argument count, scope, and two length-prefixed strings. Any other
    // action or value is measured exactly instead.
    private int sizeBound() {
        int bound = 1 + 4 + 10 + 10;
        for (SpopAction action : actions) {
            if (!(action instanceof SpopAction.SetVar set) || !(set.value() instanceof TypedData.Str str)) {
                return Integer.MAX_VALUE;
            }
            bound += 4 + 5 + 3 * set.name().length() + 5 + 3 * str.value().length();
        }
        return bound;
    }

    @Override
    public SpopFrameType type() {
        return SpopFrameType.ACK;
    }
}
