package io.roomrouter.agent;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The bearer token that state-changing admin calls must carry ({@code --admin-token-file}). Compared in constant
 * time over SHA-256 digests, so that neither the token's bytes nor its length can be learnt from response times.
 */
final class AdminToken {
    static final String FLAG = "--admin-token-file";
    private static final String BEARER = "Bearer ";

    private final byte[] digest;

    private AdminToken(String token) {
        this.digest = sha256(token);
    }

    /** The token of {@code file}: its content, trimmed. A missing, unreadable or empty file throws, naming the flag. */
    static AdminToken read(Path file) {
        String content = FlagFile.read(FLAG, file, StandardCharsets.UTF_8,
                "a readable file holding the admin bearer token");
        return of(content.trim(), file.toString());
    }

    static AdminToken of(String token, String source) {
        if (token.isEmpty()) {
            throw new OptionsException(FLAG + ": " + source + " is empty (expected: the admin bearer token)");
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw new OptionsException(FLAG + ": " + source + " holds a character that cannot go in an HTTP"
                        + " header at offset " + i + " (expected: printable ASCII without spaces)");
            }
        }
        return new AdminToken(token);
    }

    /** Whether {@code authorization} (an {@code Authorization} header, null when absent) carries this token. */
    boolean acceptsHeader(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        return MessageDigest.isEqual(digest, sha256(authorization.substring(BEARER.length()).trim()));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    @Override
    public String toString() {
        return "AdminToken[redacted]";
    }
}
