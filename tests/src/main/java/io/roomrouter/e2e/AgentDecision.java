package io.roomrouter.e2e;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One decision line of the agent's log: {@code decision room=r1 backend=be_game server=game2 decision=placed
 * reason=... load=23/100 micros=41}; {@code server} is empty when none was chosen.
 */
public record AgentDecision(String room, String backend, String server, String decision, String reason) {

    private static final Pattern LINE = Pattern.compile(
            "\\bdecision room=(\\S*) backend=(\\S*)(?: server=(\\S*))? decision=(\\S+)(?: reason=(.*?))?"
                    + "(?= load=| micros=|$)");

    /** The decision in {@code line}, or empty for any other log line. */
    public static Optional<AgentDecision> parse(String line) {
        Matcher m = LINE.matcher(line);
        if (!m.find()) {
            return Optional.empty();
        }
        String server = m.group(3) == null || m.group(3).equals("-") ? "" : m.group(3);
        return Optional.of(new AgentDecision(
                m.group(1), m.group(2), server, m.group(4), m.group(5) == null ? "" : m.group(5)));
    }
}
