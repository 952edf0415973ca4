package io.roomrouter.agent;

import io.roomrouter.placement.Decision;
import io.roomrouter.placement.Placement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per decision, {@code key=value}, so operators can grep and parse them:
 * {@code room=r1 backend=be_game server=game2 decision=placed reason=least-loaded load=23/100 micros=41}.
 * {@code full} is a warning (capacity is running out); everything else is info. Ids were validated before they
 * get here, so no client input can forge a field; free text (the reason) is quoted.
 */
final class DecisionLog {
    private static final Logger log = LoggerFactory.getLogger("decision");

    void log(String room, String backend, Placement placement, long micros) {
        if (placement.decision() == Decision.FULL ? !log.isWarnEnabled() : !log.isInfoEnabled()) {
            return;
        }
        StringBuilder line = new StringBuilder(160)
                .append("room=").append(room)
                .append(" backend=").append(backend)
                .append(" server=").append(placement.server().orElse("-"))
                .append(" decision=").append(placement.decision().wireName())
                .append(" reason=");
        appendQuoted(line, placement.reason());
        line.append(" load=").append(placement.load()).append('/').append(placement.capacity());
        line.append(" micros=").append(micros);
        if (placement.decision() == Decision.FULL) {
            log.warn(line.toString());
        } else {
            log.info(line.toString());
        }
    }

    private static void appendQuoted(StringBuilder line, String text) {
        boolean plain = !text.isEmpty();
        for (int i = 0; i < text.length() && plain; i++) {
            char c = text.charAt(i);
            plain = c > ' ' && c != '"' && c != '=' && c < 0x7f;
        }
        if (plain) {
            line.append(text);
            return;
        }
        line.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                line.append('\\').append(c);
            } else if (c < ' ' || c == 0x7f) {
                line.append('?');
            } else {
                line.append(c);
            }
        }
        line.append('"');
    }
}
