package io.roomrouter.spop;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * An unpooled allocator that remembers every buffer it hands out, so that a test can check, input by input, that
 * each one was released exactly when the pipeline was done with it. Netty's leak detector only reports a leak
 * once the garbage collector has found the buffer, which may be many inputs later; this check is immediate and
 * names the input. Its buffers also go through Netty's leak detector (paranoid in tests), as the pooled
 * allocator's do (an allocator that extends {@link AbstractByteBufAllocator} must wrap them itself), except in a
 * fuzz run. One per test input: not thread-safe.
 */
public final class TrackingAllocator extends AbstractByteBufAllocator {
    /**
     * In a fuzz run ({@code JAZZER_FUZZ}) buffers are not wrapped for the detector: paranoid, it records a stack
     * trace for every buffer created, which made inputs about 20 times slower (a 30 s run per target: 441 to 732
     * inputs/s against 7 014 to 11 269 without). The release count checked after each input catches every leak
     * the detector would, and at once. Replaying the seeds, every build wraps them.
     */
    private static final boolean LEAK_AWARE = !SpopFuzzing.fuzzing();

    private final List<ByteBuf> allocated = new ArrayList<>();

    public TrackingAllocator() {
        super(false);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return track(new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity));
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return track(new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity));
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    /** How many buffers were handed out. */
    public int allocations() {
        return allocated.size();
    }

    /** Fails, naming the first culprit, unless every buffer handed out has been released (reference count 0). */
    public void assertAllReleased() {
        for (int i = 0; i < allocated.size(); i++) {
            ByteBuf buf = allocated.get(i);
            if (buf.refCnt() != 0) {
                throw new AssertionError("buffer " + (i + 1) + " of " + allocated.size() + " not released: refCnt "
                        + buf.refCnt() + ", " + buf.capacity() + " bytes (expected: refCnt 0, one owner releases it)");
            }
        }
    }

    /** Remembers the buffer itself (its count is the truth) and hands out its leak-aware wrapper. */
    private ByteBuf track(ByteBuf buf) {
        allocated.add(buf);
        return LEAK_AWARE ? toLeakAwareBuffer(buf) : buf;
    }
}
