package io.roomrouter.agent;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The files {@code --redis} may come with, read or checked at start-up so that a bad one stops the agent with a line
 * that names its flag, not at the first connection attempt.
 */
final class RedisFiles {
    static final String PASSWORD_FLAG = "--redis-password-file";
    static final String CA_FLAG = "--redis-ca-file";

    private RedisFiles() {}

    /** The password {@code file} holds: its content less a final line break (an editor's, or echo's). */
    static String password(Path file) {
        String content = FlagFile.read(PASSWORD_FLAG, file, StandardCharsets.UTF_8,
                "a readable file holding the Redis password");
        // Only the line break a file ends with: spaces may be part of a password.
        String password = content.endsWith("\r\n") ? content.substring(0, content.length() - 2)
                : content.endsWith("\n") ? content.substring(0, content.length() - 1) : content;
        if (password.isEmpty()) {
            throw new OptionsException(PASSWORD_FLAG + ": " + file + " is empty (expected: the Redis password)");
        }
        if (password.indexOf('\n') >= 0) {
            throw new OptionsException(PASSWORD_FLAG + ": " + file + " holds more than one line (expected: the"
                    + " Redis password alone)");
        }
        return password;
    }

    /** Fails unless {@code file} is a readable PEM file of certificates. */
    static void checkCa(Path file) {
        String content = FlagFile.read(CA_FLAG, file, StandardCharsets.US_ASCII,
                "a readable PEM file of CA certificates");
        if (!content.contains("-----BEGIN CERTIFICATE-----")) {
            throw new OptionsException(CA_FLAG + ": " + file + " holds no PEM certificate (expected: -----BEGIN"
                    + " CERTIFICATE----- blocks)");
        }
    }
}
