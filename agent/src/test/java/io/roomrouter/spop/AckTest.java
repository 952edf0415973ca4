package io.roomrouter.spop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AckTest {

    private static SpopAction.SetVar var(String name, String value) {
        return new SpopAction.SetVar(VarScope.TXN, name, new TypedData.Str(value));
    }

    private static int frameSize(Ack ack) {
        return SpopFrameEncoder.encodedSize(ack) - Integer.BYTES;
    }

    private static final Ack FOUR = new Ack(1, 2, List.of(
            var("server", "game1"), var("decision", "placed"), var("fallback", "game2"), var("reason", "x".repeat(100))));

    @Test
    void anAckThatFitsIsKeptAsItIs() {
        assertThat(FOUR.fittedTo(16380, 2)).isSameAs(FOUR);
        assertThat(FOUR.fittedTo(frameSize(FOUR), 2)).isEqualTo(FOUR);
    }

    @Test
    void theLastActionsGiveWayUntilTheFrameFits() {
        // one byte short of the whole frame: only the last action (the long reason) goes
        Ack fitted = FOUR.fittedTo(frameSize(FOUR) - 1, 2);

        assertThat(fitted.actions()).isEqualTo(FOUR.actions().subList(0, 3));
        assertThat(frameSize(fitted)).isLessThan(frameSize(FOUR) - 1);
        assertThat(fitted.streamId()).isEqualTo(1);
        assertThat(fitted.frameId()).isEqualTo(2);
    }

    @Test
    void theActionsToKeepStayEvenWhenTheyDoNotFit() {
        Ack fitted = FOUR.fittedTo(10, 2);

        assertThat(fitted.actions()).isEqualTo(FOUR.actions().subList(0, 2));
    }

    @Test
    void otherActionsAreMeasuredExactly() {
        Ack unset = new Ack(3, 4, List.of(var("server", "game1"), new SpopAction.UnsetVar(VarScope.TXN, "reason")));

        assertThat(unset.fittedTo(frameSize(unset), 1)).isEqualTo(unset);
        assertThat(unset.fittedTo(frameSize(unset) - 1, 1).actions()).containsExactly(var("server", "game1"));
    }
}
