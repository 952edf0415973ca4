package io.roomrouter.spop;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** One message of a NOTIFY: its name and its arguments, in the order HAProxy declared them. */
public record SpopMessage(String name, List<Arg> args) {

    public SpopMessage {
        Objects.requireNonNull(name, "name");
        args = List.copyOf(args);
    }

    /** The value of the first argument called {@code argName}; empty when there is none. */
    public Optional<TypedData> arg(String argName) {
        for (Arg arg : args) {
            if (arg.name().equals(argName)) {
                return Optional.of(arg.value());
            }
        }
        return Optional.empty();
    }

    /** A named argument; an unnamed one has the empty name. */
    public record Arg(String name, TypedData value) {
        public Arg {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }
    }
}
