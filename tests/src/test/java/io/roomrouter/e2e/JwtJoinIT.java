package io.roomrouter.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.kit.AgentDecision;
import io.roomrouter.kit.ClientAddress;
import io.roomrouter.kit.HttpReply;
import io.roomrouter.kit.Stack;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Token mode of the reference configuration (RR_JWT_KEYS names a map file holding the HS256 secret): the room and
 * its size come from a token the matchmaker signed, verified by the real HAProxy (jwt_verify), so only players the
 * matchmaker sent can open a room, with the size it chose.
 */
class JwtJoinIT {
    /** The matchmaker's HS256 secret: text, as a map file holds it (no spaces). */
    private static final byte[] SECRET = "Zk3vQ9pL2xW7mN4bT8cR1yH6jD5sF0gA".getBytes(StandardCharsets.US_ASCII);

    @Test
    void onlyPlayersTheMatchmakerSentOpenARoomAndWithTheSizeItChose(TestInfo test, @TempDir Path dir)
            throws Exception {
        Path keys = dir.resolve("jwt-keys.map");
        Files.writeString(keys, "hs256 " + new String(SECRET, StandardCharsets.ISO_8859_1) + "\n",
                StandardCharsets.ISO_8859_1);
        Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("rw-------"));
        long exp = System.currentTimeMillis() / 1000 + 600;
        try (Stack stack = Stack.builder(TestLogs.dir(test))
                .haproxyEnvironment("RR_JWT_KEYS", keys.toString())
                .start()) {
            String t1 = token(SECRET, "t1", 4, exp);
            Map<String, HttpReply> refused = new LinkedHashMap<>();
            refused.put("no token", join(stack, "t2", "p1", ""));
            refused.put("forged signature", join(stack, "t2", "p1", "&token="
                    + token("another secret".getBytes(StandardCharsets.US_ASCII), "t2", 4, exp)));
            refused.put("tampered claims", join(stack, "t2", "p1", "&token=" + tamper(token(SECRET, "t2", 4, exp))));
            refused.put("expired", join(stack, "t2", "p1", "&token=" + token(SECRET, "t2", 4, exp - 1200)));
            refused.put("another room's token", join(stack, "t2", "p1", "&token=" + t1));
            refused.put("not a token", join(stack, "t2", "p1", "&token=abc.def.ghi"));
            // the URL's size is ignored: the token's 4 is what the agent gets
            List<HttpReply> players = new ArrayList<>();
            for (int p = 1; p <= 4; p++) {
                players.add(join(stack, "t1", "p" + p, "&size=1000&token=" + t1));
            }
            // a token whose size is above --max-room-size (10 by default) is refused by the agent
            HttpReply tooBig = join(stack, "t3", "p1", "&token=" + token(SECRET, "t3", 100, exp));
            List<AgentDecision> decisions = stack.agent().awaitDecisions(5, Duration.ofSeconds(5));
            Map<String, Integer> statuses = new LinkedHashMap<>();
            refused.forEach((what, reply) -> statuses.put(what, reply.status()));
            TestLogs.report(test, "refused: " + statuses + "; the matchmaker's 4 players: "
                    + players.stream().map(HttpReply::status).toList() + "; a token asking for 100 seats: "
                    + tooBig.status() + " '" + tooBig.body().strip() + "'; agent decisions: "
                    + decisions.stream().map(d -> d.room() + "/" + d.decision() + "/" + d.load()).toList());

            assertThat(refused.values()).allSatisfy(reply -> {
                assertThat(reply.status()).isEqualTo(403);
                assertThat(reply.body()).contains("not issued by the matchmaker");
            });
            assertThat(players).extracting(HttpReply::status).containsOnly(101);
            assertThat(tooBig.status()).isEqualTo(400);
            assertThat(tooBig.body()).contains("size 100 (expected: 1 to 10)");
            // the agent never heard of t2; t1 was placed holding the token's 4 seats (load: 0 live + 4 held)
            assertThat(decisions).extracting(AgentDecision::room).containsOnly("t1", "t3");
            AgentDecision placed = decisions.get(0);
            assertThat(placed.room()).isEqualTo("t1");
            assertThat(placed.decision()).isEqualTo("placed");
            assertThat(placed.load()).isEqualTo(4);
        }
    }

    private static HttpReply join(Stack stack, String room, String player, String extra)
            throws java.io.IOException {
        return RawJoin.upgrade(stack.frontend(), ClientAddress.of(room, player),
                "/ws?room=" + room + "&player=" + player + extra);
    }

    static String token(byte[] secret, String room, int size, long exp) throws GeneralSecurityException {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String payload = b64.encodeToString(("{\"room\":\"" + room + "\",\"size\":" + size + ",\"exp\":" + exp + "}")
                .getBytes(StandardCharsets.UTF_8));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret, "HmacSHA256"));
        byte[] signature = mac.doFinal((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
        return header + "." + payload + "." + b64.encodeToString(signature);
    }

    // The same signature over claims with a larger size: what a player who edits its token sends.
    private static String tamper(String token) {
        String[] parts = token.split("\\.", -1);
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("\"size\":4", "\"size\":10");
        return parts[0] + "." + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
    }
}
