package io.tunelog.cli.slurm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunelog.cli.slurm.ScalePolicy.Action;
import io.tunelog.cli.slurm.ScalePolicy.Bounds;
import io.tunelog.cli.slurm.ScalePolicy.Job;
import io.tunelog.cli.slurm.ScalePolicy.Observation;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ScalePolicyTest {
    static final Instant T0 = Instant.parse("2026-11-29T09:00:00Z");
    static final Duration DOWN_AFTER = Duration.ofSeconds(30);

    final ScalePolicy policy = new ScalePolicy(new Bounds(1, 3, 2), DOWN_AFTER, Duration.ofSeconds(60));

    @Test
    void shouldSubmitEnoughJobsForEveryQueuedAndRunningTrialAtOnceUpToTheMaximum() {
        // 3 trials on 2 slots a job: 2 jobs; one exists.
        Action grow = policy.decide(seen(2, 1, List.of(running("10")), Set.of("10")), T0);
        assertThat(grow.submit()).isEqualTo(1);
        assertThat(grow.wanted()).isEqualTo(2);

        // 20 trials would need 10 jobs; the maximum is 3.
        Action capped = policy.decide(seen(20, 0, List.of(), Set.of()), T0);
        assertThat(capped.submit()).isEqualTo(3);
        assertThat(capped.wanted()).isEqualTo(3);
    }

    @Test
    void shouldCountPendingJobsSoThatABacklogIsNeverSubmittedForTwice() {
        Action action = policy.decide(seen(6, 0, List.of(pending("11"), pending("12"), pending("13")), Set.of()), T0);

        assertThat(action.isNothing()).isTrue();
    }

    @Test
    void shouldKeepTheMinimumWithNoWork() {
        assertThat(policy.decide(seen(0, 0, List.of(), Set.of()), T0).submit()).isEqualTo(1);
        assertThat(policy.decide(seen(0, 0, List.of(running("10")), Set.of()), T0.plus(Duration.ofHours(1))).isNothing()).isTrue();
    }

    @Test
    void shouldShrinkOnlyOnceTheSurplusHasLastedAndNeverCancelAJobThatRunsATrial() {
        List<Job> jobs = List.of(running("10"), running("11"), running("12"));
        Set<String> busy = Set.of("11");

        Action early = policy.decide(seen(0, 1, jobs, busy), T0);
        Action stillEarly = policy.decide(seen(0, 1, jobs, busy), T0.plus(DOWN_AFTER).minusSeconds(1));
        Action late = policy.decide(seen(0, 1, jobs, busy), T0.plus(DOWN_AFTER));

        assertThat(early.isNothing()).isTrue();
        assertThat(stillEarly.isNothing()).isTrue();
        // 1 running trial wants 1 job: cancel 2 of the 3, the idle ones, the newest first.
        assertThat(late.cancel()).containsExactly("12", "10");
    }

    @Test
    void shouldCancelPendingJobsBeforeRunningOnesAndNewerBeforeOlderByNumber() {
        List<Job> jobs = List.of(running("9"), running("10"), pending("11"));

        policy.decide(seen(0, 0, jobs, Set.of()), T0);
        Action shrink = policy.decide(seen(0, 0, jobs, Set.of()), T0.plus(DOWN_AFTER));

        // Wanted: the minimum, 1. "10" is newer than "9" though it sorts before it as text.
        assertThat(shrink.cancel()).containsExactly("11", "10");
    }

    @Test
    void shouldStartTheWaitForAShrinkAgainWhenTheBacklogComesBack() {
        List<Job> three = List.of(running("10"), running("11"), running("12"));
        policy.decide(seen(0, 0, three, Set.of()), T0);
        policy.decide(seen(6, 0, three, Set.of()), T0.plusSeconds(20));

        Action afterBacklog = policy.decide(seen(0, 0, three, Set.of()), T0.plus(DOWN_AFTER));

        assertThat(afterBacklog.isNothing()).as("the surplus began again at %s", T0.plus(DOWN_AFTER)).isTrue();
    }

    @Test
    void shouldWaitLongerAfterEachFailedSubmissionUpToTheLimit() {
        Observation wantsMore = seen(4, 0, List.of(), Set.of());
        Instant t = T0;
        long[] waits = new long[8];
        for (int i = 0; i < waits.length; i++) {
            policy.submissionFailed(t);
            assertThat(policy.decide(wantsMore, t).submit()).isZero();
            long wait = 0;
            while (policy.decide(wantsMore, t.plusSeconds(wait)).submit() == 0) {
                wait++;
            }
            waits[i] = wait;
            t = t.plusSeconds(wait);
        }
        assertThat(waits).containsExactly(1, 2, 4, 8, 16, 32, 60, 60);
    }

    @Test
    void shouldRefuseBoundsThatCannotHold() {
        assertThatThrownBy(() -> new Bounds(3, 2, 1)).hasMessageContaining("min 3, max 2");
        assertThatThrownBy(() -> new Bounds(0, 0, 1)).hasMessageContaining("max >= 1");
        assertThatThrownBy(() -> new Bounds(0, 2, 0)).hasMessageContaining("slots per job");
    }

    static Observation seen(int queued, int running, List<Job> jobs, Set<String> busy) {
        return new Observation(queued, running, jobs, busy);
    }

    static Job running(String id) {
        return new Job(id, false);
    }

    static Job pending(String id) {
        return new Job(id, true);
    }
}
