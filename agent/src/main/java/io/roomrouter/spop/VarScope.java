package io.roomrouter.spop;

/** Variable scopes of set-var and unset-var, with their wire ids. */
public enum VarScope {
    PROC(0),
    SESS(1),
    TXN(2),
    REQ(3),
    RES(4);

    private final int id;

    VarScope(int id) {
        this.id = id;
    }

    public int id() {
        return id;
    }

    /** The scope for a wire id; an unknown id is an invalid frame. */
    public static VarScope valueOf(int id) {
        for (VarScope scope : values()) {
            if (scope.id == id) {
                return scope;
            }
        }
        throw new SpopCodecException(SpopStatus.INVALID, "var scope: " + id + " (expected: 0 to 4)");
    }
}
