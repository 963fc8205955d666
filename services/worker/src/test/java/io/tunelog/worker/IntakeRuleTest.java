package io.tunelog.worker;

import static io.tunelog.worker.IntakeRule.Action.HAND_BACK;
import static io.tunelog.worker.IntakeRule.Action.HOLD;
import static io.tunelog.worker.IntakeRule.Action.RETURN;
import static io.tunelog.worker.IntakeRule.Action.START;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class IntakeRuleTest {
    private static final Duration HOLD_FOR = Duration.ofSeconds(5);

    private static IntakeRule.Action decide(boolean started, boolean fits, int delivery, long heldSeconds) {
        return IntakeRule.decide(started, fits, delivery, 10, Duration.ofSeconds(heldSeconds), HOLD_FOR);
    }

    @Test
    void shouldStartWhatItHasTakenResourcesForAtAnyDelivery() {
        assertThat(decide(true, true, 1, 0)).isEqualTo(START);
        assertThat(decide(true, true, 10, 9)).isEqualTo(START);
        assertThat(decide(true, false, 9, 0)).as("fits is what could ever run; started wins").isEqualTo(START);
    }

    @Test
    void shouldHoldWhatFitsItButNotYetThenHandItBackForAnotherWorker() {
        assertThat(decide(false, true, 1, 0)).isEqualTo(HOLD);
        assertThat(decide(false, true, 8, 4)).isEqualTo(HOLD);
        assertThat(decide(false, true, 1, 5)).isEqualTo(HAND_BACK);
    }

    @Test
    void shouldHandBackAtOnceWhatCouldNeverRunHere() {
        assertThat(decide(false, false, 1, 0)).isEqualTo(HAND_BACK);
        assertThat(decide(false, false, 8, 0)).isEqualTo(HAND_BACK);
    }

    @Test
    void shouldReturnAnAssignmentToTheGateOneDeliveryShortOfTheLimitKeepingTheLastForATakerThatDies() {
        assertThat(decide(false, false, 9, 0)).isEqualTo(RETURN);
        assertThat(decide(false, true, 9, 0)).as("a worker dying while it held it would spend the last").isEqualTo(RETURN);
        assertThat(decide(false, true, 10, 0)).as("the taker after one that died").isEqualTo(RETURN);
        assertThat(decide(false, false, 12, 0)).isEqualTo(RETURN);
    }
}
