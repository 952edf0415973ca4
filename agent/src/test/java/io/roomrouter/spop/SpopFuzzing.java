package io.roomrouter.spop;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * The harness every SPOP fuzz target shares: feeds bytes through the real {@link SpopFrameDecoder} in an {@link
 * EmbeddedChannel} and checks, for each input:
 *
 * <ul>
 *   <li>the decoder either decodes or fails with a {@link SpopCodecException}; any other exception (an {@code
 *       IndexOutOfBoundsException} arrives wrapped in a plain {@code DecoderException}) propagates and is a
 *       finding;
 *   <li>fed whole and fed in small pieces (cut where the input's own hash says), it gives the same frames and the
 *       same error: HAProxy's TCP segments fall anywhere;
 *   <li>after its one error it swallows whatever follows without a second error or a frame;
 *   <li>every buffer the pipeline was given or allocated is released once the channel is closed, and Netty's leak
 *       detector has reported nothing ({@link LeakWatch});
 *   <li>each decoded frame re-encodes into bytes that decode to the same frame (a DISCONNECT message cut to 255
 *       bytes, as the encoder always does), and encoding that again gives the same bytes.
 * </ul>
 */
public final class SpopFuzzing {
    /** HAProxy's default max-frame-size (tune.bufsize - 4), which the agent accepts by default. */
    public static final int MAX_FRAME_SIZE = 16380;

    private SpopFuzzing() {}

    /** What the decoder made of one input: the frames before the error, and the error if there was one. */
    public record Outcome(List<SpopFrame> frames, Optional<SpopCodecException> failure) {
        public Outcome {
            frames = List.copyOf(frames);
            Objects.requireNonNull(failure, "failure");
        }
    }

    /** Decodes {@code stream} as the agent does (frames HAProxy sends), checking every invariant above. */
    public static Outcome decodeAsAgent(byte[] stream) {
        return decode(() -> SpopFrameDecoder.forAgent(MAX_FRAME_SIZE), stream);
    }

    /** Decodes {@code stream} as HAProxy's side (frames an agent sends), as the load generator does. */
    public static Outcome decodeAsHaproxy(byte[] stream) {
        return decode(() -> SpopFrameDecoder.forHaproxy(MAX_FRAME_SIZE), stream);
    }

    /**
     * A NOTIFY frame, LENGTH included, with stream-id 1, frame-id 1 and {@code payload} as its LIST-OF-MESSAGES:
     * lets a target spend its inputs on what follows the header instead of on LENGTH.
     */
    public static byte[] notifyFrame(byte[] payload) {
        // TYPE (1) + FLAGS (4) + stream-id (1) + frame-id (1)
        int length = 7 + payload.length;
        return ByteBuffer.allocate(4 + length)
                .putInt(length)
                .put((byte) SpopFrameType.NOTIFY.code())
                .putInt(SpopConstants.FLAG_FIN)
                .put((byte) 1)
                .put((byte) 1)
                .put(payload)
                .array();
    }

    static Outcome decode(Supplier<SpopFrameDecoder> decoders, byte[] input) {
        TrackingAllocator alloc = new TrackingAllocator();
        Outcome whole = feed(decoders.get(), alloc, input, new int[] {input.length});
        Outcome pieces = feed(decoders.get(), alloc, input, cuts(input));
        if (!whole.frames().equals(pieces.frames())) {
            throw new AssertionError("frames fed whole: " + whole.frames() + " (expected: the same fed in pieces: "
                    + pieces.frames() + ")");
        }
        if (!describe(whole.failure()).equals(describe(pieces.failure()))) {
            throw new AssertionError("error fed whole: " + describe(whole.failure())
                    + " (expected: the same fed in pieces: " + describe(pieces.failure()) + ")");
        }
        for (SpopFrame frame : whole.frames()) {
            assertRoundTrip(decoders, alloc, frame);
        }
        alloc.assertAllReleased();
        LeakWatch.assertNoLeak();
        return whole;
    }

    /** Chunk lengths of 1 to 16 bytes, drawn from the input's hash: the same input is always cut the same way. */
    private static int[] cuts(byte[] input) {
        SplittableRandom random = new SplittableRandom(Arrays.hashCode(input));
        List<Integer> lengths = new ArrayList<>();
        int left = input.length;
        while (left > 0) {
            int length = Math.min(left, 1 + random.nextInt(16));
            lengths.add(length);
            left -= length;
        }
        return lengths.stream().mapToInt(Integer::intValue).toArray();
    }

    private static Outcome feed(SpopFrameDecoder decoder, TrackingAllocator alloc, byte[] input, int[] chunks) {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAllocator(alloc);
        channel.pipeline().addLast(decoder);
        List<SpopFrame> frames = new ArrayList<>();
        SpopCodecException failure = null;
        int offset = 0;
        for (int length : chunks) {
            // each piece is a buffer of its own, as a socket read would be: the decoder must release each one
            ByteBuf piece = alloc.heapBuffer(length).writeBytes(input, offset, length);
            offset += length;
            if (failure == null) {
                try {
                    channel.writeInbound(piece);
                } catch (SpopCodecException e) {
                    failure = e;
                    if (e.status() == null || e.getMessage() == null || e.getMessage().isEmpty()) {
                        throw new AssertionError("codec error without status or message", e);
                    }
                }
                // other exceptions propagate: they are the findings
                drain(channel, frames);
            } else {
                // after its one error the decoder discards the rest of the stream, silently
                if (channel.writeInbound(piece)) {
                    throw new AssertionError("a message after the decoder's error: " + channel.readInbound());
                }
            }
        }
        // closing runs decodeLast on what is left (a partial frame) and releases the cumulation
        if (channel.finish()) {
            Object late = channel.readInbound();
            ReferenceCountUtil.release(late);
            throw new AssertionError("a message when the channel closed: " + late + " (expected: none)");
        }
        return new Outcome(frames, Optional.ofNullable(failure));
    }

    private static void drain(EmbeddedChannel channel, List<SpopFrame> frames) {
        for (Object message = channel.readInbound(); message != null; message = channel.readInbound()) {
            if (!(message instanceof SpopFrame frame)) {
                ReferenceCountUtil.release(message);
                throw new AssertionError("decoder passed on a " + message.getClass().getName()
                        + " (expected: SpopFrame, which holds no buffer)");
            }
            frames.add(frame);
        }
    }

    /**
     * Encodes {@code frame} through the encoder (exact-size buffer: a size miscount overflows it), decodes the
     * bytes with a decoder of the same side and encodes again.
     */
    private static void assertRoundTrip(Supplier<SpopFrameDecoder> decoders, TrackingAllocator alloc, SpopFrame frame) {
        ByteBuf encoded = SpopFrameEncoder.encode(alloc, frame);
        byte[] bytes;
        try {
            if (encoded.readableBytes() != SpopFrameEncoder.encodedSize(frame)) {
                throw new AssertionError("encoded " + encoded.readableBytes() + " bytes (expected: encodedSize "
                        + SpopFrameEncoder.encodedSize(frame) + ") for " + frame);
            }
            bytes = ByteBufUtil.getBytes(encoded);
        } finally {
            encoded.release();
        }
        // a frame may grow on the way (a malformed UTF-8 byte comes back as the 3 bytes of U+FFFD): no size limit
        SpopFrameDecoder decoder = decoders.get();
        decoder.maxFrameSize(Math.max(decoder.maxFrameSize(), bytes.length));
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAllocator(alloc);
        channel.pipeline().addLast(decoder);
        List<SpopFrame> again = new ArrayList<>();
        channel.writeInbound(alloc.heapBuffer(bytes.length).writeBytes(bytes));
        drain(channel, again);
        if (channel.finish()) {
            throw new AssertionError("a message when the channel closed (expected: none)");
        }
        SpopFrame expected = asEncoded(frame);
        if (!again.equals(List.of(expected))) {
            throw new AssertionError("re-encoded " + frame + " decoded as " + again + " (expected: [" + expected + "])");
        }
        ByteBuf reencoded = SpopFrameEncoder.encode(alloc, expected);
        try {
            if (!Arrays.equals(ByteBufUtil.getBytes(reencoded), bytes)) {
                throw new AssertionError("encoding " + expected + " twice gave different bytes");
            }
        } finally {
            reencoded.release();
        }
    }

    /** What the encoder makes of {@code frame}: only a DISCONNECT changes, its message cut to 255 UTF-8 bytes. */
    private static SpopFrame asEncoded(SpopFrame frame) {
        if (frame instanceof HaproxyDisconnect disconnect) {
            return new HaproxyDisconnect(disconnect.statusCode(), SpopFrameEncoder.truncateUtf8(
                    disconnect.message(), SpopConstants.MAX_DISCONNECT_MESSAGE_BYTES));
        }
        if (frame instanceof AgentDisconnect disconnect) {
            return new AgentDisconnect(disconnect.status(), SpopFrameEncoder.truncateUtf8(
                    disconnect.message(), SpopConstants.MAX_DISCONNECT_MESSAGE_BYTES));
        }
        return frame;
    }

    private static String describe(Optional<SpopCodecException> failure) {
        return failure.map(e -> e.status() + ": " + e.getMessage()).orElse("none");
    }

    /** True when Jazzer fuzzes (JAZZER_FUZZ set, as Jazzer reads it) rather than replaying the seeds. */
    public static boolean fuzzing() {
        String value = System.getenv("JAZZER_FUZZ");
        if (value == null) {
            value = System.getProperty("JAZZER_FUZZ");
        }
        return value != null
                && (value.equalsIgnoreCase("true") || value.equals("1") || value.toLowerCase(Locale.ROOT).equals("yes"));
    }
}
