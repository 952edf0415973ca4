package io.roomrouter.agent;

import java.time.Duration;

/** Durations as operators write them: {@code 500ms}, {@code 20s}, {@code 30m}, {@code 2h}. */
final class DurationFlag {
    private DurationFlag() {}

    static Duration parse(String flag, String value) {
        int unitAt = 0;
        while (unitAt < value.length() && Character.isDigit(value.charAt(unitAt))) {
            unitAt++;
        }
        if (unitAt == 0 || unitAt > 9) {
            throw invalid(flag, value);
        }
        long amount = Long.parseLong(value.substring(0, unitAt));
        return switch (value.substring(unitAt)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> throw invalid(flag, value);
        };
    }

    static String format(Duration duration) {
        long millis = duration.toMillis();
        if (millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return millis + "ms";
    }

    private static OptionsException invalid(String flag, String value) {
        return new OptionsException(flag + ": '" + value + "' (expected: a number and a unit, ms, s, m or h, e.g. 30m)");
    }
}
