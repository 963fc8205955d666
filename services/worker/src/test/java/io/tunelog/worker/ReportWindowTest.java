package io.tunelog.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** At most a window's worth of reports on their way; the gate's word on what it judged makes room. */
class ReportWindowTest {

    @Test
    void shouldHoldAProgressReportBackWhileTheWindowIsFullUntilTheGateTakesOne() throws Exception {
        ReportWindow window = new ReportWindow(2);
        assertThat(window.open("a", true, () -> false)).isTrue();
        window.sent("a", 0, 10, false);
        assertThat(window.open("a", true, () -> false)).isTrue();
        window.sent("a", 0, 11, false);

        CompletableFuture<Boolean> third = CompletableFuture.supplyAsync(() -> window.open("a", true, () -> false));
        try {
            third.get(300, TimeUnit.MILLISECONDS);
            throw new AssertionError("a third report went out while two were in flight");
        } catch (TimeoutException expected) {
            // waiting, as it should
        }
        window.taken(0, 11);
        assertThat(third.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(window.inFlight()).isEqualTo(Map.of("a", 2));
    }

    @Test
    void shouldNeverHoldBackAStartOrAnEndAndCountThemAll() {
        ReportWindow window = new ReportWindow(1);
        window.open("a", false, () -> false);
        window.open("b", false, () -> false);

        assertThat(window.size()).isEqualTo(2);
        assertThat(window.inFlight()).isEqualTo(Map.of("a", 1, "b", 1));
    }

    @Test
    void shouldCountOffAReportTheGateTookBeforeTheBrokerAnsweredItsSenderAndOneTheBrokerRefused() {
        ReportWindow window = new ReportWindow(5);
        window.open("a", true, () -> false);
        window.open("a", true, () -> false);
        window.taken(3, 100);
        window.sent("a", 3, 99, false);
        window.sent("a", 3, -1, true);

        assertThat(window.size()).isZero();
        assertThat(window.inFlight()).isEmpty();
    }

    @Test
    void shouldGiveUpWaitingForAnAttemptThatEnds() throws Exception {
        ReportWindow window = new ReportWindow(1);
        window.open("a", true, () -> false);
        boolean[] ended = {false};
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> window.open("b", true, () -> ended[0]));
        Thread.sleep(200);
        ended[0] = true;

        assertThat(waiting.get(5, TimeUnit.SECONDS)).as("not sent").isFalse();
        assertThat(window.inFlight()).isEqualTo(Map.of("a", 1));
    }
}
