package io.roomrouter.placement;

/**
 * What HAProxy's stick table said of a join's room when HAProxy sent the join (the {@code room-join} message's
 * {@code in_table} argument, {@code urlp(room),in_table(<backend>)}): a store that keeps its rooms elsewhere asks
 * the table where a room lives only when the table has it, instead of for every room it has not seen.
 */
public enum TableHint {
    /** HAProxy did not say (a configuration without the argument): the table may have the room. */
    NOT_SENT,
    /** The table has the room: its players were routed by HAProxy, by the agent's answer or by hashing. */
    IN_TABLE,
    /** The table does not have the room: no player of it has been routed through this HAProxy or its peers. */
    NOT_IN_TABLE;

    /** Whether asking the table about the room can find it. */
    public boolean mayBeInTable() {
        return this != NOT_IN_TABLE;
    }
}
