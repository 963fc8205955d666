package io.tunelog.scheduler.rule;

import static io.tunelog.scheduler.rule.AshaTest.decision;
import static io.tunelog.scheduler.rule.AshaTest.running;
import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload.Action;
import io.tunelog.domain.event.EventPayload.TrialExploited;
import io.tunelog.domain.event.EventPayload.TrialQueued;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.scheduler.SchedulingDecider;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Four trials, perturbation every 2 steps, quantile 0.25: one trial is in each of the top and the bottom. */
class PbtTest {
    static final String SPEC = """
            name: pbt
            metric: {name: acc, mode: max}
            budget: {trials: 4, concurrent: 4}
            searchSpace:
              lr: {loguniform: [0.001, 1]}
              layers: {choice: [1, 2, 3, 4]}
            scheduler: {type: pbt, perturbationInterval: 2, quantileFraction: 0.25, resampleProbability: 0.25}
            trial: {command: [x], checkpoint: {keep: 1}}
            """;

    private final SchedulingDecider scheduler = new SchedulingDecider();

    static LogBuilder firstRound(boolean bestCheckpoints) {
        LogBuilder log = running(SPEC, 4);
        double[] scores = {0.1, 0.2, 0.3, 0.4};
        for (int i = 0; i < 4; i++) {
            log.reported("trial-0000" + i, 1, 2, Map.of("acc", scores[i]));
        }
        if (bestCheckpoints) {
            log.checkpoint("trial-00003", 1, 2, Map.of("acc", 0.4));
        }
        List<Event> first = log.decide(new SchedulingDecider());
        assertThat(first).as("no trial has a score at a perturbation yet: none is ranked against others")
                .extracting(e -> decision(e).rule()).containsOnly("pbt.middle");
        return log;
    }

    @Test
    void shouldMakeTheBottomTrialExploitTheTopOneThroughItsCheckpoint() {
        LogBuilder log = firstRound(true);
        log.reported("trial-00000", 1, 4, Map.of("acc", 0.15));

        List<Event> decided = log.decide(scheduler);

        assertThat(decided).hasSize(2);
        assertThat(decision(decided.get(0)).action()).isEqualTo(Action.PAUSE);
        assertThat(decision(decided.get(0)).rule()).isEqualTo("pbt.exploit");
        assertThat(decision(decided.get(0)).inputs()).containsEntry("population", 4.0).containsEntry("inQuantile", 1.0)
                .containsEntry("lowerCutoff", 0.15).containsEntry("upperCutoff", 0.4).containsEntry("donorScore", 0.4);
        TrialExploited exploit = (TrialExploited) decided.get(1).payload();
        assertThat(exploit.donorTrialId()).isEqualTo("trial-00003");
        assertThat(exploit.checkpointId()).isEqualTo("trial-00003/a1/checkpoint_2");
        Map<String, Object> donor = log.state().trial("trial-00003").config();
        double lr = (Double) exploit.config().get("lr");
        double donorLr = (Double) donor.get("lr");
        assertThat(lr).as("perturbed by 1.2 or 0.8, or resampled within the space")
                .satisfiesAnyOf(v -> assertThat(v).isCloseTo(donorLr * 1.2, org.assertj.core.data.Offset.offset(1e-12)),
                        v -> assertThat(v).isCloseTo(donorLr * 0.8, org.assertj.core.data.Offset.offset(1e-12)),
                        v -> assertThat(v).isBetween(0.001, 1.0));
        assertThat(exploit.config().get("layers")).isIn(List.of(1L, 2L, 3L, 4L));

        TrialState exploiter = log.state().trial("trial-00000");
        assertThat(exploiter.status()).isEqualTo(TrialStatus.PAUSED);
        assertThat(exploiter.config()).isEqualTo(exploit.config());
        List<Event> queued = log.decide(scheduler);
        assertThat(queued).singleElement().satisfies(e -> {
            TrialQueued q = (TrialQueued) e.payload();
            assertThat(q.attempt()).isEqualTo(2);
            assertThat(q.restoreFromCheckpointId()).isEqualTo("trial-00003/a1/checkpoint_2");
            assertThat(q.restoreFromUri()).isEqualTo("file:///ckpt/trial-00003/a1/checkpoint_2");
        });
    }

    @Test
    void shouldNeverExploitATrialWithoutACheckpoint() {
        LogBuilder log = firstRound(false);
        log.reported("trial-00000", 1, 4, Map.of("acc", 0.15));

        assertThat(log.decide(scheduler)).singleElement().satisfies(e -> {
            assertThat(decision(e).action()).isEqualTo(Action.CONTINUE);
            assertThat(decision(e).rule()).isEqualTo("pbt.lower");
        });
        assertThat(log.state().trial("trial-00000").status()).isEqualTo(TrialStatus.RUNNING);
    }

    @Test
    void shouldCountTheNextIntervalFromTheDonorsLastPerturbationAfterAnExploit() {
        LogBuilder log = firstRound(true);
        log.reported("trial-00000", 1, 4, Map.of("acc", 0.15));
        log.decide(scheduler);
        log.decide(scheduler);
        log.started("trial-00000", 2);
        // restored at the donor's step 2, whose last perturbation was at 2: due again at 4, not at 6
        log.reported("trial-00000", 2, 3, Map.of("acc", 0.41));
        assertThat(log.decide(scheduler)).isEmpty();
        log.reported("trial-00000", 2, 4, Map.of("acc", 0.42));
        assertThat(log.decide(scheduler)).extracting(e -> decision(e).rule()).containsExactly("pbt.upper");
    }
}
