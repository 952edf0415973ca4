package io.roomrouter.spop;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.List;
import org.junit.jupiter.api.AfterAll;

/**
 * Coverage-guided fuzzing of the typed-data codec. Each input is one argument value of a NOTIFY's message: the
 * target wraps it in a valid frame ({@code 04 "fuzz" 01 01 "v" <input>}) and decodes that through the real
 * decoder ({@link SpopFuzzing}), so every mutation lands in the typed data instead of in LENGTH. It also reads the
 * input with {@link TypedDataCodec#read} alone, and checks that both agree and that a value read writes back in
 * {@link TypedDataCodec#size} bytes and reads back equal.
 */
class TypedDataFuzzTest {
    private static final FuzzLedger LEDGER = new FuzzLedger(TypedDataFuzzTest.class, "typedValue");
    // message "fuzz", NB-ARGS 1, argument name "v": the input follows
    private static final byte[] PREFIX = {4, 'f', 'u', 'z', 'z', 1, 1, 'v'};

    @FuzzTest
    void typedValue(byte[] value) {
        LEDGER.input(value);
        try {
            check(value);
        } catch (RuntimeException | Error e) {
            LEDGER.finding(e);
            throw e;
        }
    }

    private static void check(byte[] value) {
        byte[] payload = new byte[PREFIX.length + value.length];
        System.arraycopy(PREFIX, 0, payload, 0, PREFIX.length);
        System.arraycopy(value, 0, payload, PREFIX.length, value.length);
        byte[] frame = SpopFuzzing.notifyFrame(payload);
        SpopFuzzing.Outcome outcome = SpopFuzzing.decodeAsAgent(frame);
        LEDGER.outcome(outcome);
        if (frame.length - 4 > SpopFuzzing.MAX_FRAME_SIZE) {
            expectFailure(outcome, SpopStatus.TOO_BIG, null);
            return;
        }

        ByteBuf in = Unpooled.wrappedBuffer(value);
        TypedData read;
        try {
            read = TypedDataCodec.read(in);
        } catch (SpopCodecException e) {
            // the frame around it is valid: the decoder fails on this very value, with the same words
            expectFailure(outcome, e.status(), e.getMessage());
            return;
        }
        assertWritesBack(read);
        Notify expected = new Notify(1, 1, List.of(new SpopMessage("fuzz", List.of(new SpopMessage.Arg("v", read)))));
        if (!in.isReadable()) {
            if (!outcome.frames().equals(List.of(expected)) || outcome.failure().isPresent()) {
                throw new AssertionError("decoded " + outcome + " (expected: " + expected + ")");
            }
        } else if (outcome.failure().isEmpty()) {
            // what follows the value was read as more messages; the first is still ours
            Notify notify = (Notify) outcome.frames().get(0);
            if (!notify.messages().get(0).equals(expected.messages().get(0))) {
                throw new AssertionError("first message " + notify.messages().get(0) + " (expected: "
                        + expected.messages().get(0) + ")");
            }
        }
    }

    private static void expectFailure(SpopFuzzing.Outcome outcome, SpopStatus status, String message) {
        SpopCodecException failure = outcome.failure().orElseThrow(() -> new AssertionError(
                "decoded " + outcome.frames() + " (expected: " + status + " " + message + ")"));
        if (failure.status() != status || (message != null && !message.equals(failure.getMessage()))) {
            throw new AssertionError("decoder failed with " + failure.status() + " " + failure.getMessage()
                    + " (expected: " + status + " " + message + ")");
        }
    }

    private static void assertWritesBack(TypedData value) {
        ByteBuf out = Unpooled.buffer();
        try {
            TypedDataCodec.write(out, value);
            if (out.readableBytes() != TypedDataCodec.size(value)) {
                throw new AssertionError(value + " written in " + out.readableBytes() + " bytes (expected: size "
                        + TypedDataCodec.size(value) + ")");
            }
            byte[] written = ByteBufUtil.getBytes(out);
            TypedData again = TypedDataCodec.read(out);
            if (!again.equals(value) || out.isReadable()) {
                throw new AssertionError(
                        value + " written as " + ByteBufUtil.hexDump(written) + " read back as " + again);
            }
        } finally {
            out.release();
        }
    }

    @AfterAll
    static void everySeedRan() {
        LEDGER.finish(10);
    }
}
