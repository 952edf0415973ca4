package io.roomrouter.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.placement.Decision;
import io.roomrouter.placement.Placement;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class DecisionLogTest {

    @Test
    void everyDecisionLoggedBeforeCloseIsWrittenAsOneWholeLine() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DecisionLog log = new DecisionLog(out);

        log.log("r1", "be_game", Placement.routed(Decision.PLACED, "game2", Optional.of("game1"), "least-loaded", 1, 10),
                7);
        log.log("r2", "be_game", Placement.full("no server fits a room of 10"), 3);
        log.close();

        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n", -1);
        assertThat(lines).hasSize(3);
        assertThat(lines[0]).contains(" INFO decision - room=r1 backend=be_game server=game2 fallback=game1 ")
                .endsWith(" micros=7");
        assertThat(lines[1]).contains(" WARN decision - room=r2 backend=be_game server=- fallback=- decision=full ");
        assertThat(lines[2]).isEmpty();
    }

    @Test
    void linesFromSeveralEventLoopsAtOnceAreAllWrittenWhole() throws InterruptedException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DecisionLog log = new DecisionLog(out);
        Placement sticky = Placement.routed(Decision.STICKY, "game1", Optional.empty(), "room lives there", 5, 100);
        List<Thread> loops = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            String prefix = "t" + t + "-";
            Thread loop = new Thread(() -> {
                for (int i = 0; i < 5_000; i++) {
                    log.log(prefix + i, "be_game", sticky, i);
                }
            });
            loops.add(loop);
            loop.start();
        }
        for (Thread loop : loops) {
            loop.join();
        }
        log.close();

        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(20_000);
        assertThat(lines).allSatisfy(line -> assertThat(line).matches(
                ".* INFO decision - room=t\\d-\\d+ backend=be_game server=game1 fallback=- decision=sticky "
                        + "reason=\"room lives there\" load=5/100 micros=\\d+"));
    }

    @Test
    @Timeout(60) // a log() that waited for the writer would wait forever here: the stream opens only after the loop
    void aWriterThatFallsBehindDropsLinesInsteadOfHoldingTheCallerBack() throws InterruptedException {
        CountDownLatch unblocked = new CountDownLatch(1);
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        OutputStream stuck = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    unblocked.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
                written.write(b, off, len);
            }
        };
        DecisionLog log = new DecisionLog(stuck);
        Placement sticky = Placement.routed(Decision.STICKY, "game1", Optional.empty(), "room lives there", 5, 100);
        int logged = 2 * DecisionLog.QUEUE_CAPACITY;

        for (int i = 0; i < logged; i++) {
            log.log("r" + i, "be_game", sticky, 1);
        }
        unblocked.countDown();
        log.close();

        long lines = written.toString(StandardCharsets.UTF_8).lines().count();
        // The writer took what fits its buffer before the stream blocked it; then the queue filled and the rest
        // was dropped, while the caller went on.
        assertThat(lines).isGreaterThanOrEqualTo(DecisionLog.QUEUE_CAPACITY).isLessThan(logged);
    }
}
