package io.roomrouter.store;

import java.util.List;

/** The script's answer to a release: {@code {"1"}} when the room existed, {@code {"0"}} when it did not. */
record ReleaseReply(boolean existed) {

    static ReleaseReply of(List<Object> values) {
        ScriptValues.count(values, 1, "release reply");
        return new ReleaseReply(ScriptValues.flag(values, 0, "release reply"));
    }
}
