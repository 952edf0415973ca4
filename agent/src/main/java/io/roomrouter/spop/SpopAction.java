package io.roomrouter.spop;

import java.util.Objects;

/** An action in an ACK. Scope and name go on the wire untyped, as HAProxy's decoder expects. */
public sealed interface SpopAction permits SpopAction.SetVar, SpopAction.UnsetVar {

    /** The variable name, without scope or prefix. */
    String name();

    VarScope scope();

    /** set-var (type 1, 3 args). A NULL value unsets the variable on HAProxy's side. */
    record SetVar(VarScope scope, String name, TypedData value) implements SpopAction {
        public SetVar {
            Objects.requireNonNull(scope, "scope");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }
    }

    /** unset-var (type 2, 2 args). */
    record UnsetVar(VarScope scope, String name) implements SpopAction {
        public UnsetVar {
            Objects.requireNonNull(scope, "scope");
            Objects.requireNonNull(name, "name");
        }
    }
}
