package io.tunelog.scheduler.rule;

import static io.tunelog.scheduler.rule.AshaTest.decision;
import static io.tunelog.scheduler.rule.AshaTest.running;
import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload.Action;
import io.tunelog.domain.event.EventPayload.TrialQueued;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.scheduler.SchedulingDecider;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * maxT 4, grace 1, η 2: sMax = 2, so the first bracket (s = 2) takes ⌈3/3 · 2²⌉ = 4 trials with rungs at
 * 1, 2 and 4. Four trials pause at rung 1; the best ⌊4/2⌋ = 2 resume, the others stop; of those, the best
 * ⌊2/2⌋ = 1 resumes from rung 2 and runs to maxT.
 */
class HyperbandTest {
    static final String SPEC = """
            name: hb
            metric: {name: acc, mode: max}
            budget: {trials: 4, concurrent: 4}
            searchSpace:
              x: {uniform: [0, 1]}
            scheduler: {type: hyperband, maxT: 4, gracePeriod: 1, reductionFactor: 2}
            trial: {command: [x], checkpoint: {keep: 5}}
            """;

    private final SchedulingDecider scheduler = new SchedulingDecider();

    @Test
    void shouldPauseAtTheRungUntilTheBracketIsThereThenKeepTheBestHalf() {
        LogBuilder log = running(SPEC, 4);
        double[] rung1 = {0.3, 0.6, 0.5, 0.2};
        for (int i = 0; i < 3; i++) {
            String t = "trial-0000" + i;
            log.reported(t, 1, 1, Map.of("acc", rung1[i]));
            log.checkpoint(t, 1, 1, Map.of("acc", rung1[i]));
        }
        List<Event> paused = log.decide(scheduler);
        assertThat(paused).extracting(e -> decision(e).action()).containsExactly(Action.PAUSE, Action.PAUSE, Action.PAUSE);
        assertThat(paused).allSatisfy(e -> assertThat(decision(e).rung()).isEqualTo("hyperband/b0/r1"));
        assertThat(log.state().trial("trial-00000").status()).isEqualTo(TrialStatus.PAUSED);
        assertThat(log.decide(scheduler)).as("trial 3 has not reached rung 1").isEmpty();

        log.reported("trial-00003", 1, 1, Map.of("acc", rung1[3]));
        assertThat(log.decide(scheduler)).extracting(e -> decision(e).action()).containsExactly(Action.PAUSE);
        List<Event> halved = log.decide(scheduler);

        assertThat(halved).extracting(e -> e.trialId() + " " + decision(e).action() + " " + decision(e).rule())
                .containsExactlyInAnyOrder("trial-00001 CONTINUE hyperband.promote", "trial-00002 CONTINUE hyperband.promote",
                        "trial-00000 STOP hyperband.cut", "trial-00003 STOP hyperband.cut");
        assertThat(halved).filteredOn(e -> e.trialId().equals("trial-00000")).singleElement()
                .satisfies(e -> assertThat(decision(e).inputs()).containsEntry("rank", 3.0).containsEntry("kept", 2.0).containsEntry("cutoff", 0.5));

        List<Event> resumed = log.decide(scheduler);
        assertThat(resumed).extracting(e -> e.trialId() + " " + ((TrialQueued) e.payload()).restoreFromCheckpointId())
                .containsExactly("trial-00001 trial-00001/a1/checkpoint_1", "trial-00002 trial-00002/a1/checkpoint_1");

        log.started("trial-00001", 2);
        log.started("trial-00002", 2);
        log.reported("trial-00001", 2, 2, Map.of("acc", 0.65));
        log.reported("trial-00002", 2, 2, Map.of("acc", 0.7));
        assertThat(log.decide(scheduler)).extracting(e -> decision(e).rung()).containsExactly("hyperband/b0/r2", "hyperband/b0/r2");
        assertThat(log.decide(scheduler)).extracting(e -> e.trialId() + " " + decision(e).action())
                .containsExactlyInAnyOrder("trial-00002 CONTINUE", "trial-00001 STOP");
        log.decide(scheduler);
        log.started("trial-00002", 3);
        log.reported("trial-00002", 3, 4, Map.of("acc", 0.8));

        assertThat(log.decide(scheduler)).singleElement().satisfies(e -> {
            assertThat(decision(e).action()).isEqualTo(Action.STOP);
            assertThat(decision(e).rule()).isEqualTo("hyperband.max_t");
        });
        assertThat(log.decide(scheduler)).as("every trial ended").singleElement()
                .satisfies(e -> assertThat(e.eventId()).endsWith("/completed"));
    }

    @Test
    void shouldFillBracketsInCreationOrderAcrossTheBand() {
        Hyperband.Settings s = new Hyperband.Settings(null, 81, 1, 3);
        // Li et al.'s table for R = 81, η = 3: brackets of 81, 34, 15, 8 and 5 trials
        assertThat(s.sMax()).isEqualTo(4);
        assertThat(List.of(s.bracketSize(4), s.bracketSize(3), s.bracketSize(2), s.bracketSize(1), s.bracketSize(0)))
                .containsExactly(81, 34, 15, 8, 5);
        assertThat(s.milestones(4)).containsExactly(1.0, 3.0, 9.0, 27.0, 81.0);
        assertThat(s.milestones(1)).containsExactly(27.0, 81.0);
        assertThat(s.bracketOf(80).s()).isEqualTo(4);
        assertThat(s.bracketOf(81).s()).isEqualTo(3);
        assertThat(s.bracketOf(81 + 34 + 15 + 8 + 5).number()).as("the band repeats").isEqualTo(5);
        assertThat(s.bracketOf(81 + 34 + 15 + 8 + 5).s()).isEqualTo(4);
    }
}
