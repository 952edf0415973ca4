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
}
