package io.roomrouter.spop;

import static io.roomrouter.spop.Bytes.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The fuzz harness's own checks can fail: a leak, a foreign exception, a buffer passed on. */
class FuzzHarnessTest {

    @Test
    void aBufferNobodyReleasesFailsTheReleaseCheck() {
        TrackingAllocator alloc = new TrackingAllocator();
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAllocator(alloc);
        // a decoder that keeps a slice of its input for later, and later never comes
        AtomicReference<ByteBuf> kept = new AtomicReference<>();
        channel.pipeline().addLast(new ByteToMessageDecoder() {
            @Override
            protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
                kept.set(in.readRetainedSlice(in.readableBytes()));
            }
        });
        channel.writeInbound(alloc.heapBuffer(8).writeLong(42));
        assertThat(channel.finish()).isFalse();

        assertThatThrownBy(alloc::assertAllReleased)
                .isInstanceOf(AssertionError.class)
                .hasMessage("buffer 1 of 1 not released: refCnt 1, 8 bytes (expected: refCnt 0, one owner releases it)");
        // released here, or Netty's detector would report it later, in whichever test then runs
        kept.get().release();
        alloc.assertAllReleased();
    }

    /** Leaks a buffer on purpose: the build log shows Netty's "LEAK:" ERROR naming leakOneBuffer; that is this test. */
    @Test
    void aLeakNettyReportsFailsTheLeakWatch() throws InterruptedException {
        // every test JVM runs paranoid (the root pom's leakArgs): each buffer is tracked
        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
        LeakWatch.arm();
        long before = LeakWatch.leaks();
        try {
            leakOneBuffer();
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (LeakWatch.leaks() == before && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(10);
                // the detector looks for collected buffers when a buffer is allocated
                new TrackingAllocator().heapBuffer(1).release();
            }
            assertThat(LeakWatch.leaks()).isGreaterThan(before);
            assertThatThrownBy(LeakWatch::assertNoLeak)
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining(" ByteBuf leak(s) reported by Netty's detector (expected: 0); last: ")
                    .hasMessageContaining("leakOneBuffer");
        } finally {
            // the leak was on purpose: the fuzz targets that run after this test in the same JVM must not see it
            LeakWatch.forget();
        }
    }

    private static void leakOneBuffer() {
        new TrackingAllocator().heapBuffer(16).writeLong(7);
    }

    @Test
    void aFrameFedWholeAndInPiecesDecodesAlike() {
        byte[] notify = bytes().hex("00 00 00 07 03 00 00 00 01 01 01").array();
        SpopFuzzing.Outcome outcome = SpopFuzzing.decodeAsAgent(notify);
        assertThat(outcome.frames()).containsExactly(new Notify(1, 1, List.of()));
        assertThat(outcome.failure()).isEmpty();
    }

    @Test
    void aCodecErrorIsAnOutcomeNotAFinding() {
        SpopFuzzing.Outcome outcome = SpopFuzzing.decodeAsAgent(bytes().ascii("GET / HTTP/1.1\r\n\r\n").array());
        assertThat(outcome.frames()).isEmpty();
        assertThat(outcome.failure()).hasValueSatisfying(e -> assertThat(e.status()).isEqualTo(SpopStatus.TOO_BIG));
    }
}
