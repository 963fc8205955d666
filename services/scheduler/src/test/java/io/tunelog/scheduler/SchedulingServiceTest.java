package io.tunelog.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.avro.Assignment;
import io.tunelog.codec.AvroBytes;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload.TrialQueued;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.kafka.Topics;
import io.tunelog.suggestion.SuggestionDecider;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the scheduling service sends workers beside the log. */
class SchedulingServiceTest {
    private final SchedulingService service = new SchedulingService();

    @Test
    void shouldPassTheSpecsReportTimeoutToTheWorkerInEachAssignment() throws Exception {
        assertThat(assignmentOf(SchedulingDeciderTest.SPEC.replace("maxFailures: 1}", "maxFailures: 1, reportTimeoutSeconds: 90}"))
                .getReportTimeoutSeconds()).isEqualTo(90);
        assertThat(assignmentOf(SchedulingDeciderTest.SPEC).getReportTimeoutSeconds()).as("no timeout in the spec").isNull();
    }

    @Test
    void shouldQueueAnAskAndTellAttemptWithoutAnAssignmentSoNoWorkerTakesIt() {
        LogBuilder log = LogBuilder.submitted("e", SchedulingDeciderTest.SPEC.replace("command: [x]", "askAndTell: true"));
        log.decide(new SuggestionDecider());
        Event queued = log.decide(service.decider()).get(0);
        assertThat(queued.payload()).isInstanceOf(TrialQueued.class);

        assertThat(service.sideOutputs(queued, log.state())).isEmpty();
    }

    private Assignment assignmentOf(String spec) throws Exception {
        LogBuilder log = LogBuilder.submitted("e", spec);
        log.decide(new SuggestionDecider());
        Event queued = log.decide(service.decider()).get(0);
        assertThat(queued.payload()).isInstanceOf(TrialQueued.class);

        var records = service.sideOutputs(queued, log.state());

        assertThat(records).singleElement().satisfies(r -> assertThat(r.topic()).isEqualTo(Topics.ASSIGNMENTS));
        Assignment a = AvroBytes.decode(Assignment.class, records.get(0).value());
        assertThat(a.getCommand()).isEqualTo(List.of("x"));
        return a;
    }
}
