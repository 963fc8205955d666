package io.tunelog.scheduler.rule;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.scheduler.SchedulingDecider;
import io.tunelog.scheduler.SchedulingService;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/**
 * Where a worker holds a trial: at the next report its rule will judge, and nowhere under a rule that judges none
 * ahead of time or a spec that switched holds off.
 */
class MilestonesTest {
    private final SchedulingDecider scheduler = new SchedulingDecider();
    private final SchedulingService service = new SchedulingService();

    private static String spec(String scheduler, String trialExtra) {
        return """
                name: m
                metric: {name: acc, mode: max}
                budget: {trials: 2, concurrent: 2}
                searchSpace: {x: {uniform: [0, 1]}}
                scheduler: %s
                trial: {command: [x]%s}
                """.formatted(scheduler, trialExtra);
    }

    @Test
    void ashaHoldsAtEachRungNotYetJudgedThenAtMaxT() {
        LogBuilder log = AshaTest.running(spec("{type: asha, maxT: 10, gracePeriod: 1, reductionFactor: 3}", ""), 2);
        assertThat(service.nextMilestone(log.state(), "trial-00000")).isEqualTo(1.0);
        log.reported("trial-00000", 1, 1, Map.of("acc", 0.5));
        log.decide(scheduler);
        assertThat(service.nextMilestone(log.state(), "trial-00000")).as("rung 1 judged").isEqualTo(3.0);
        log.reported("trial-00000", 1, 2, Map.of("acc", 0.6));
        log.reported("trial-00000", 1, 3, Map.of("acc", 0.7));
        log.decide(scheduler);
        assertThat(service.nextMilestone(log.state(), "trial-00000")).isEqualTo(9.0);
        log.reported("trial-00000", 1, 9, Map.of("acc", 0.8));
        log.decide(scheduler);
        assertThat(service.nextMilestone(log.state(), "trial-00000")).as("every rung judged: maxT").isEqualTo(10.0);
        assertThat(service.nextMilestone(log.state(), "trial-00001")).as("another trial's own progress").isEqualTo(1.0);
    }

    @Test
    void pbtHoldsAnIntervalPastTheLastPerturbationAndNotBeforeTheBurnIn() {
        LogBuilder log = AshaTest.running(spec("{type: pbt, perturbationInterval: 4, burnInPeriod: 6}", ""), 2);
        assertThat(service.nextMilestone(log.state(), "trial-00000")).isEqualTo(6.0);
    }

    @Test
    void medianStoppingHoldsEveryReportPastTheGracePeriod() {
        LogBuilder log = AshaTest.running(spec("{type: median, gracePeriod: 3}", ""), 2);
        assertThat(service.nextMilestone(log.state(), "trial-00000")).isEqualTo(3.0);
        log.reported("trial-00000", 1, 3, Map.of("acc", 0.5));
        assertThat(service.nextMilestone(log.state(), "trial-00000")).isEqualTo(Math.nextUp(3.0));
    }

    @Test
    void fifoAndRacingHoldNothingAndNeitherDoesASpecThatSwitchedHoldsOff() {
        assertThat(service.nextMilestone(AshaTest.running(spec("{type: fifo}", ""), 2).state(), "trial-00000")).isNull();
        assertThat(service.nextMilestone(AshaTest.running(spec("{type: racing}", ""), 2).state(), "trial-00000")).isNull();
        LogBuilder off = AshaTest.running(spec("{type: asha, maxT: 10}", ", holdAtMilestones: false"), 2);
        assertThat(service.nextMilestone(off.state(), "trial-00000")).isNull();
    }

    @Test
    void aRuleReadingAnotherTimeAttributeNamesIt() {
        ExperimentSpec timed = io.tunelog.domain.spec.SpecParser.parse(spec("{type: asha, maxT: 10, timeAttr: epoch}", ""));
        assertThat(new Asha().timeAttr(timed)).isEqualTo("epoch");
        assertThat(new Asha().timeAttr(io.tunelog.domain.spec.SpecParser.parse(spec("{type: asha}", "")))).as("the step").isNull();
        assertThat(new Fifo().nextMilestone(null, null)).isEqualTo(OptionalDouble.empty());
    }
}
