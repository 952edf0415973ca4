package io.roomrouter.agent;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The agent's stderr once it runs. slf4j-simple flushes after every line, one write system call per decision
 * line; this stream ignores those flushes, and the decision log's writer thread writes out what it holds after
 * each batch of lines and at least every few milliseconds (as logback's {@code immediateFlush=false}). A process
 * killed with SIGKILL may lose that much of its log; a normal stop flushes it.
 */
final class GroupedStderr extends PrintStream {

    GroupedStderr(OutputStream out) {
        super(new BufferedOutputStream(out, 1 << 16), false, StandardCharsets.UTF_8);
    }

    @Override
    public void flush() {
        // Deferred to flushNow(): see the class comment.
    }

    /** Writes out everything held. */
    void flushNow() {
        super.flush();
    }

    /** Flushes stderr now if it is grouped; a no-op otherwise (tests, embedding). */
    static void flushIfGrouped() {
        if (System.err instanceof GroupedStderr grouped) {
            grouped.flushNow();
        }
    }
}
