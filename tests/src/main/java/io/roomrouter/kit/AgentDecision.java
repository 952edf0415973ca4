package io.roomrouter.kit;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One decision line of the agent's log, {@code room=r1 backend=be_game server=game2 fallback=game1
 * decision=placed reason=least-loaded load=23/100 micros=41}; {@code server} and {@code fallback} are empty when
 * none was named ({@code -}).
 */
public record AgentDecision(String room, String backend, String server, String fallback, String decision,
        String reason, int load, int capacity) {

    private static final Pattern LINE = Pattern.compile(
            "\\broom=(\\S*) backend=(\\S*) server=(\\S*) fallback=(\\S*) decision=(\\S+)"
                    + " reason=(\"(?:[^\"\\\\]|\\\\.)*\"|\\S*) load=(\\d+)/(\\d+)");

    private static final Pattern MICROS = Pattern.compile("\\bdecision=\\S+ .* micros=(\\d+)$");

    /**
     * How long the agent took for the decision in {@code line}, from the join's arrival to its answer (the
     * {@code micros} field), or empty for any other log line.
     */
    public static OptionalLong micros(String line) {
        Matcher m = MICROS.matcher(line);
        return m.find() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }

    /** The decision in {@code line}, or empty for any other log line. */
    public static Optional<AgentDecision> parse(String line) {
        Matcher m = LINE.matcher(line);
        if (!m.find()) {
            return Optional.empty();
        }
        String reason = m.group(6);
        if (reason.startsWith("\"")) {
            reason = reason.substring(1, reason.length() - 1).replaceAll("\\\\(.)", "$1");
        }
        return Optional.of(new AgentDecision(m.group(1), m.group(2), named(m.group(3)), named(m.group(4)),
                m.group(5), reason, Integer.parseInt(m.group(7)), Integer.parseInt(m.group(8))));
    }

    private static String named(String field) {
        return field.equals("-") ? "" : field;
    }
}
