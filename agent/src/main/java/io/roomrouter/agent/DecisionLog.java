package io.roomrouter.agent;

import io.roomrouter.placement.Decision;
import io.roomrouter.placement.Placement;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per decision, {@code key=value}, so operators can grep and parse them:
 * {@code room=r1 backend=be_game server=game2 fallback=game1 decision=placed reason=least-loaded load=23/100
 * micros=41}.
 * {@code full} is a warning (capacity is running out); everything else is info. Ids were validated before they
 * get here, so no client input can forge a field; free text (the reason) is quoted.
 *
 * <p>Lines are formatted and written on this log's own thread, never on a Netty event loop: writing to stderr is
 * blocking I/O (a slow pipe or disk would stall every connection of the loop), and formatting costs more than the
 * decision itself. The event loop only queues the decision. If the writer falls {@link #QUEUE_CAPACITY} lines
 * behind, further lines are dropped and counted, and a warning says how many once it catches up, as logback's
 * and log4j's asynchronous appenders do; routing never waits for the log.
 *
 * <p>Whether lines are written follows the level of the slf4j logger {@code decision} (at WARN only {@code full}
 * lines, off at ERROR), but {@link DecisionLine} formats them, in the same layout as the agent's other lines, and
 * this log writes them to stderr itself: an access log at 100 000 lines a second is past what slf4j-simple is
 * built for (it flushes after every line, one write system call each). Lines go out in one write per batch, and at
 * least every {@value #IDLE_MILLIS} ms; each write holds whole lines, so they never interleave with the agent's other
 * lines. A process killed with SIGKILL may lose those last milliseconds of lines; a normal stop writes them.
 */
final class DecisionLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("decision");
    /** About half a second of decisions at full speed. */
    static final int QUEUE_CAPACITY = 1 << 16;
    private static final int BATCH = 256;
    /**
     * How long the writer sleeps once it finds nothing queued. Every wake-up of a sleeping thread costs a context
     * switch, and on a virtual machine the interrupts that come with it: at 5 ms the writer woke 200 times a second
     * with or without traffic, and in a profile of an agent at 150 joins/s its thread was 13 % of the agent's CPU
     * (docs/performance.md, thirteenth stop). A line comes out at most this late; the queue holds far more than this
     * long of decisions at full speed.
     */
    static final long IDLE_MILLIS = 50;
    private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(IDLE_MILLIS);

    private final BlockingQueue<Entry> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final AtomicLong dropped = new AtomicLong();
    private final DecisionLine line = new DecisionLine();
    private final RecentDecisions recent = new RecentDecisions();
    private final OutputStream out;
    private final Thread writer;
    private volatile boolean closed;

    /** Writes to the process's stderr. */
    DecisionLog() {
        this(new FileOutputStream(FileDescriptor.err));
    }

    DecisionLog(OutputStream out) {
        this.out = new BufferedOutputStream(out, 1 << 16);
        writer = new Thread(this::writeLoop, "room-router-decision-log");
        writer.setDaemon(true);
        writer.start();
    }

    void log(String room, String backend, Placement placement, long micros) {
        recent.add(new RecentDecisions.Recent(System.currentTimeMillis(), room, backend, placement, micros));
        if (placement.decision() == Decision.FULL ? !log.isWarnEnabled() : !log.isInfoEnabled()) {
            return;
        }
        if (closed || !queue.offer(new Entry(room, backend, placement, micros))) {
            dropped.incrementAndGet();
        }
    }

    /** The last decisions, whatever the log's level: for the status page and the room API. */
    RecentDecisions recent() {
        return recent;
    }

    /** Decision lines dropped since the start: the writer fell behind, or stderr failed. */
    long dropped() {
        return dropped.get();
    }

    /** Writes what is queued, then stops the writer; waits at most a second. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(writer);
        try {
            writer.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void writeLoop() {
        List<Entry> batch = new ArrayList<>(BATCH);
        long reported = 0;
        while (!closed) {
            if (queue.drainTo(batch, BATCH) == 0) {
                flush(); // what the batches since the last look wrote, in one write
                // The writer looks every IDLE_MILLIS rather than being woken for each line: a wake-up per
                // decision would cost the event loop a futex call and the writer a context switch every time.
                LockSupport.parkNanos(IDLE_NANOS);
                continue;
            }
            for (Entry entry : batch) {
                write(entry);
            }
            batch.clear();
            long lost = dropped.get();
            if (lost != reported && queue.isEmpty()) {
                log.warn("decision log fell behind: {} decision lines dropped ({} in all)", lost - reported, lost);
                reported = lost;
            }
        }
        queue.drainTo(batch);
        batch.forEach(this::write);
        flush();
    }

    private void write(Entry entry) {
        int length = line.format(System.currentTimeMillis(), entry.room(), entry.backend(), entry.placement(),
                entry.micros());
        try {
            out.write(line.bytes(), 0, length);
        } catch (IOException e) {
            dropped.incrementAndGet(); // stderr is gone (a closed pipe): routing goes on without its log
        }
    }

    private void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            // as in write: nothing to tell it to
        }
    }

    private record Entry(String room, String backend, Placement placement, long micros) {}
}
