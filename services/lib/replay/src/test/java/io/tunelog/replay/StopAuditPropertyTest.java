package io.tunelog.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.avro.LogRecord;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.log.Integrity;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/**
 * Random experiments with random stop conditions, a clock that jumps at random and the gate's observations of time: every
 * log folds without anomaly, ends, and audits, every stop recomputed from the log alone. A failure names the seed that
 * reproduces it ({@code RandomExperiments.generate(new Random(seed), ...)}).
 */
class StopAuditPropertyTest {
    private static final int EXPERIMENTS = 300;

    @Test
    void shouldAuditEveryExperimentEndedOrStoppedByItsConditions() {
        Map<String, Integer> conditions = new HashMap<>();
        int observations = 0;
        for (int seed = 1; seed <= EXPERIMENTS; seed++) {
            String id = "stop-" + seed;
            LogBuilder log = RandomExperiments.generate(new Random(seed), id, 0, true);
            ExperimentState state = log.state();

            assertThat(state.anomalies()).as("seed %d", seed).isEmpty();
            assertThat(state.status().isFinished()).as("seed %d ended", seed).isTrue();
            AuditReport report = Audit.withAllServices().run(archive(id, log.events()));
            assertThat(report.failures()).as("seed %d audit", seed).isEmpty();
            conditions.merge(String.valueOf(state.completion().orElseThrow().condition()), 1, Integer::sum);
            state.trials().forEach(t -> t.decisions().forEach(d -> conditions.merge(d.rule(), 1, Integer::sum)));
            observations += (int) log.events().stream().filter(e -> e.event().payload() instanceof EventPayload.TimeObserved).count();
        }
        assertThat(conditions).as("every condition was exercised: %s", conditions).containsKeys("null", "goal", "plateau",
                "budget.seconds", "budget.maxFailedTrials", "trial.stop.step", "trial.stop.seconds", "trial.stop.acc");
        assertThat(observations).isPositive();
    }

    static ExperimentLog archive(String id, List<LoggedEvent> events) {
        Integrity.SequentialWriter writer = new Integrity.SequentialWriter();
        List<LogRecord> records = new ArrayList<>();
        for (LoggedEvent e : events) {
            ProducerRecord<String, byte[]> r = writer.next(e);
            Map<String, ByteBuffer> headers = new HashMap<>();
            for (Header h : r.headers()) {
                headers.put(h.key(), ByteBuffer.wrap(h.value()));
            }
            records.add(new LogRecord(e.offset(), e.event().timestamp(), r.key(), ByteBuffer.wrap(r.value()), headers));
        }
        return new ExperimentLog(id, records);
    }
}
