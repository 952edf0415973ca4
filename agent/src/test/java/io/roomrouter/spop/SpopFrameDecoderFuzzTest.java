package io.roomrouter.spop;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;

/**
 * Coverage-guided fuzzing of the frame decoder, both sides, with the invariants of {@link SpopFuzzing}. Without
 * {@code JAZZER_FUZZ} (every build) each target replays its seeds, {@code SpopFrameDecoderFuzzTestInputs/<method>/}
 * (real frames, pipelines, fragments, truncations, junk, and any input a fuzz run once found failing); {@code
 * scripts/fuzz.sh} fuzzes.
 */
class SpopFrameDecoderFuzzTest {
    private static final FuzzLedger AGENT = new FuzzLedger(SpopFrameDecoderFuzzTest.class, "agentSide");
    private static final FuzzLedger HAPROXY = new FuzzLedger(SpopFrameDecoderFuzzTest.class, "haproxySide");

    /** Any bytes HAProxy (or anyone who reaches the SPOP port) could send the agent. */
    @FuzzTest
    void agentSide(byte[] stream) {
        AGENT.input(stream);
        try {
            AGENT.outcome(SpopFuzzing.decodeAsAgent(stream));
        } catch (RuntimeException | Error e) {
            AGENT.finding(e);
            throw e;
        }
    }

    /** Any bytes an agent could send HAProxy's side: the decoder the load generator and the tests use. */
    @FuzzTest
    void haproxySide(byte[] stream) {
        HAPROXY.input(stream);
        try {
            HAPROXY.outcome(SpopFuzzing.decodeAsHaproxy(stream));
        } catch (RuntimeException | Error e) {
            HAPROXY.finding(e);
            throw e;
        }
    }

    @AfterAll
    static void everySeedRan() {
        AGENT.finish(10);
        HAPROXY.finish(5);
    }
}
