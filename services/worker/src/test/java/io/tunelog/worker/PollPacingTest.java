package io.tunelog.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PollPacingTest {
    private static final long S = 1_000_000_000L;

    @Test
    void shouldPollAtOnceAfterStartingWhatItTook() {
        PollPacing pacing = new PollPacing(Duration.ofSeconds(5));
        pacing.placed(0, 0, true, false, false);

        assertThat(pacing.mayPoll(0, 0)).isTrue();
    }

    @Test
    void shouldWaitAfterHandingBackWhatItCouldRunLaterUntilATrialEndsOrSixHoldsPass() {
        PollPacing pacing = new PollPacing(Duration.ofSeconds(5));
        pacing.placed(0, 7, false, true, false);

        assertThat(pacing.mayPoll(29 * S, 7)).as("nothing freed yet: polled now, it takes the same one back").isFalse();
        assertThat(pacing.mayPoll(2 * S, 8)).as("a trial ended").isTrue();

        pacing.placed(100 * S, 8, false, true, false);
        assertThat(pacing.mayPoll(129 * S, 8)).isFalse();
        assertThat(pacing.mayPoll(130 * S, 8)).isTrue();
    }

    @Test
    void shouldBackOffLongerWhileItKeepsTakingOnlyWhatItCanNeverRunAndStartOverOnceItStartsOne() {
        PollPacing pacing = new PollPacing(Duration.ofSeconds(5));
        long now = 0;
        long[] waits = new long[6];
        for (int i = 0; i < waits.length; i++) {
            pacing.placed(now, 0, false, false, true);
            long waited = 0;
            while (!pacing.mayPoll(now + waited, 0)) {
                waited += S / 2;
            }
            waits[i] = waited / (S / 2);
            now += waited;
        }
        assertThat(waits).as("half-seconds waited").containsExactly(2, 4, 8, 16, 20, 20);
        pacing.placed(now, 0, false, false, true);
        assertThat(pacing.mayPoll(now + S, 5)).as("a trial ending changes nothing for what never fits").isFalse();
        now += 10 * S;
        assertThat(pacing.mayPoll(now, 5)).isTrue();

        pacing.placed(now, 0, true, false, true);
        assertThat(pacing.mayPoll(now, 0)).as("it started one: the others behind what never fits are worth taking").isTrue();
        pacing.placed(now, 0, false, false, true);
        assertThat(pacing.mayPoll(now + S - 1, 0)).isFalse();
        assertThat(pacing.mayPoll(now + S, 0)).isTrue();
    }
}
