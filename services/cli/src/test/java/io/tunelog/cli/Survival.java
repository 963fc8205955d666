package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.Report;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.replay.Audit;
import io.tunelog.replay.AuditReport;
import io.tunelog.replay.ExperimentLog;
import io.tunelog.replay.Replay;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What every fault test asserts of an experiment of {@link CurveTrainable} trials under FIFO, after its faults:
 * <ul>
 *   <li>every trial completed, trained to its last step;</li>
 *   <li>no report lost and none twice: each attempt's steps run one by one from where it started;</li>
 *   <li>a resumed attempt starts after the checkpoint it restored, never from step 0 when there was one;</li>
 *   <li>no decision twice (one creation per trial, one queueing per attempt, one completion) and no anomaly;</li>
 *   <li>the audit recomputes every decision and passes.</li>
 * </ul>
 */
final class Survival {
    /** What the faults did to the experiment, for the test to report and assert on. */
    record Outcome(ExperimentState state, int resumedAttempts, int failedAttempts, List<String> failureReasons) {}

    private Survival() {}

    static Outcome assertSurvived(KafkaClients clients, ExperimentState state) {
        String id = state.experimentId();
        assertThat(state.status()).as("experiment %s", id).isEqualTo(ExperimentStatus.COMPLETED);
        assertThat(state.anomalies()).as("anomalies in %s", id).isEmpty();
        assertThat(state.duplicatesIgnored()).as("events written twice in %s", id).isZero();
        assertThat(state.trials()).as("trials of %s", id).isNotEmpty().allSatisfy(t -> {
            assertThat(t.status()).as(t.trialId()).isEqualTo(TrialStatus.COMPLETED);
            assertThat(t.reports().get(t.reports().size() - 1).step()).as("last step of " + t.trialId()).isEqualTo(CurveTrainable.STEPS);
        });

        ExperimentLog log = ExperimentLog.fromKafka(clients, id);
        List<LoggedEvent> events = Replay.events(log);
        Map<String, Long> checkpointSteps = new HashMap<>();
        Set<String> decisionKeys = new HashSet<>();
        Map<String, String> restoredBy = new HashMap<>();
        List<String> failures = new ArrayList<>();
        int completions = 0;
        for (LoggedEvent logged : events) {
            Event e = logged.event();
            String key = null;
            if (e.payload() instanceof EventPayload.CheckpointRegistered c) {
                checkpointSteps.put(c.checkpointId(), c.step());
            } else if (e.payload() instanceof EventPayload.TrialCreated) {
                key = "created " + e.trialId();
            } else if (e.payload() instanceof EventPayload.TrialQueued q) {
                key = "queued " + e.trialId() + "/" + q.attempt();
                restoredBy.put(e.trialId() + "/" + q.attempt(), q.restoreFromCheckpointId());
            } else if (e.payload() instanceof EventPayload.CheckpointDeleted d) {
                key = "deleted " + d.checkpointId();
            } else if (e.payload() instanceof EventPayload.ExperimentCompleted) {
                completions++;
            } else if (e.payload() instanceof EventPayload.TrialFailed f) {
                failures.add(e.trialId() + "/" + f.attempt() + ": " + f.error());
            }
            if (key != null) {
                assertThat(decisionKeys.add(key)).as("decided twice: %s (offset %d)", key, logged.offset()).isTrue();
            }
        }
        assertThat(completions).as("ExperimentCompleted events").isEqualTo(1);

        int resumed = 0;
        for (TrialState t : state.trials()) {
            Map<Integer, List<Report>> byAttempt = new HashMap<>();
            t.reports().forEach(r -> byAttempt.computeIfAbsent(r.attempt(), a -> new ArrayList<>()).add(r));
            boolean checkpointedBefore = false;
            for (int attempt = 1; attempt <= t.attempt(); attempt++) {
                String restore = restoredBy.get(t.trialId() + "/" + attempt);
                long from = restore == null ? 0 : checkpointSteps.get(restore);
                if (attempt > 1 && checkpointedBefore) {
                    assertThat(restore).as("%s attempt %d resumes from a checkpoint", t.trialId(), attempt).isNotNull();
                    resumed++;
                }
                List<Report> reports = byAttempt.getOrDefault(attempt, List.of());
                for (int i = 0; i < reports.size(); i++) {
                    assertThat(reports.get(i).step()).as("%s attempt %d report %d: steps one by one from %d",
                            t.trialId(), attempt, i, from).isEqualTo(from + 1 + i);
                }
                final int a = attempt;
                checkpointedBefore |= t.checkpoints().stream().anyMatch(c -> c.attempt() == a) || restore != null;
            }
        }

        AuditReport audit = Audit.withAllServices().run(log);
        assertThat(audit.failures()).as("audit of %s", id).isEmpty();
        assertThat(audit.passed()).isTrue();
        return new Outcome(state, resumed, failures.size(), failures);
    }
}
