package io.roomrouter.e2e;

import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.TestInfo;

/** Where a test's processes write their logs: {@code tests/target/e2e-logs/<class>/<method>/}. */
final class TestLogs {

    private TestLogs() {
    }

    static Path dir(TestInfo test) {
        String root = System.getProperty("roomrouter.logs", "target/e2e-logs");
        return Paths.get(root,
                test.getTestClass().map(Class::getSimpleName).orElse("unknown"),
                test.getTestMethod().map(m -> m.getName()).orElse("unknown"));
    }

    /** Prints a measured figure so that it can be quoted from the build log. */
    static void report(TestInfo test, String figure) {
        System.out.println("[" + test.getTestClass().map(Class::getSimpleName).orElse("?") + "."
                + test.getTestMethod().map(m -> m.getName()).orElse("?") + "] " + figure);
    }
}
