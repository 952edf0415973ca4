package io.roomrouter.bench;

import java.util.concurrent.TimeUnit;

/** How every process a benchmark starts is stopped: politely, then forcibly, never left behind. */
final class ChildProcesses {
    private ChildProcesses() {}

    static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
