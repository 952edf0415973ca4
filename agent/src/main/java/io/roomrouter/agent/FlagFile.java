package io.roomrouter.agent;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;

/** A file a flag names, read at start-up: one that cannot be read stops the start with a line naming the flag. */
final class FlagFile {
    private FlagFile() {}

    /** {@code file}'s content; {@code expected} says what the file should hold. */
    static String read(String flag, Path file, Charset charset, String expected) {
        try {
            return Files.readString(file, charset);
        } catch (IOException e) {
            throw new OptionsException(flag + ": cannot read " + file + ": " + e + " (expected: " + expected + ")");
        }
    }
}
