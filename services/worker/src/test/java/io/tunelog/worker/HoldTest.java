package io.tunelog.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A trial held at a milestone goes on when the gate answers its report, and not before. */
class HoldTest {

    @Test
    void shouldHoldAtTheFirstReportThatReachesTheMilestoneByStepOrByMetric() {
        assertThat(new Hold(null, 4.0).reaches(3, Map.of())).isFalse();
        assertThat(new Hold(null, 4.0).reaches(4, Map.of())).isTrue();
        assertThat(new Hold("epoch", 2.5).reaches(9, Map.of("epoch", 2.0))).isFalse();
        assertThat(new Hold("epoch", 2.5).reaches(9, Map.of("epoch", 3.0))).isTrue();
        assertThat(new Hold("epoch", 2.5).reaches(9, Map.of())).as("no time, no hold").isFalse();
        assertThat(new Hold(null, null).reaches(1_000, Map.of())).as("never").isFalse();
    }

    @Test
    void shouldPauseUntilTheAnswerForItsStepThenResumeAndHoldNextWhereTheAnswerSays() throws Exception {
        Hold hold = new Hold(null, 4.0);
        AtomicInteger paused = new AtomicInteger();
        AtomicInteger resumed = new AtomicInteger();
        CompletableFuture<Boolean> held = CompletableFuture.supplyAsync(() -> {
            try {
                hold.begin(4, paused::incrementAndGet);
                return hold.await(() -> false, resumed::incrementAndGet);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(300);
        hold.resume(3, 12.0);
        Thread.sleep(100);
        assertThat(held).as("an answer for another step does not resume it").isNotDone();
        assertThat(paused.get()).isOne();
        assertThat(resumed.get()).isZero();

        hold.resume(4, 12.0);

        assertThat(held.get(5, TimeUnit.SECONDS)).as("answered").isTrue();
        assertThat(resumed.get()).isOne();
        assertThat(hold.takeHeldMillis()).isGreaterThanOrEqualTo(300L);
        assertThat(hold.takeHeldMillis()).as("once").isNull();
        assertThat(hold.reaches(11, Map.of())).isFalse();
        assertThat(hold.reaches(12, Map.of())).isTrue();
        assertThat(hold.holds()).isOne();
        assertThat(hold.total()).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    void shouldLetGoOfAnAttemptThatEndsWhileHeld() throws Exception {
        Hold hold = new Hold(null, 1.0);
        boolean[] ended = {false};
        AtomicInteger resumed = new AtomicInteger();
        CompletableFuture<Boolean> held = CompletableFuture.supplyAsync(() -> {
            try {
                hold.begin(1, () -> { });
                return hold.await(() -> ended[0], resumed::incrementAndGet);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(200);
        ended[0] = true;
        hold.end();

        assertThat(held.get(5, TimeUnit.SECONDS)).as("not answered").isFalse();
        assertThat(resumed.get()).as("continued, so that the signal that ends it is delivered").isOne();
    }
}
