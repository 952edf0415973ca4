package io.roomrouter.bench;

import java.util.Objects;

/**
 * One measured figure. {@code target} says what the issue asks for ("" when it asks nothing); {@code note} says
 * how it was measured or why it is missing. A missing figure has a NaN value.
 */
record Figure(String name, double value, String unit, String target, String note) {

    Figure {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(note, "note");
    }

    static Figure missing(String name, String unit, String target, String why) {
        return new Figure(name, Double.NaN, unit, target, "MISSING: " + why);
    }

    boolean isMissing() {
        return Double.isNaN(value);
    }
}
