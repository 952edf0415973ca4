package io.roomrouter.haproxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The {@code show stat} answers captured from HAProxy 2.6.12 (see README.md beside them). */
final class Fixtures {
    private Fixtures() {}

    static String showStat(String name) {
        String resource = "show-stat-" + name + ".csv";
        try (InputStream in = Fixtures.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("fixture: " + resource + " (expected: a file beside Fixtures)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
