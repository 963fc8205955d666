package io.tunelog.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.codec.AvroBytes;
import io.tunelog.avro.PartitionSnapshot;
import io.tunelog.domain.decide.Decided;
import io.tunelog.domain.decide.Decider;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.service.PartitionLedger.Settled;
import io.tunelog.service.PartitionLedger.Snapshot;
import io.tunelog.service.PartitionLedger.Verdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The pure part of partition snapshots: which experiments are settled, where a new owner seeks, what it skips. */
class PartitionLedgerTest {

    @Test
    void settlesOnlyAnEndedExperimentWithNothingToDecideAndNothingInFlight() {
        assertThat(PartitionLedger.settles(ExperimentStatus.COMPLETED, true, true)).isTrue();
        assertThat(PartitionLedger.settles(ExperimentStatus.CANCELLED, true, true)).isTrue();
        assertThat(PartitionLedger.settles(ExperimentStatus.RUNNING, true, true)).as("running").isFalse();
        assertThat(PartitionLedger.settles(ExperimentStatus.UNKNOWN, true, true)).as("unknown").isFalse();
        assertThat(PartitionLedger.settles(ExperimentStatus.COMPLETED, false, true)).as("the decider has more to do").isFalse();
        assertThat(PartitionLedger.settles(ExperimentStatus.COMPLETED, true, false)).as("a decision not read back").isFalse();
    }

    @Test
    void aSnapshotListsTheSettledExperimentsAndWhereTheOthersBegin() {
        PartitionLedger ledger = PartitionLedger.fromBeginning();
        fold(ledger, "a", 0, "b", 1, "a", 2, "c", 3, "b", 4, "c", 5, "d", 6);
        ledger.decided("a", ExperimentStatus.COMPLETED, true, true);
        ledger.decided("b", ExperimentStatus.RUNNING, true, true);
        ledger.decided("c", ExperimentStatus.CANCELLED, true, true);
        // Completed, but this service (the registry, say) still has checkpoints to delete.
        ledger.decided("d", ExperimentStatus.COMPLETED, false, true);
        assertThat(ledger.hasNewlySettled()).isTrue();

        Snapshot s = ledger.snapshot("registry", 4, 7);

        assertThat(s.settled()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "a", new Settled(0, ExperimentStatus.COMPLETED), "c", new Settled(3, ExperimentStatus.CANCELLED)));
        assertThat(s.open()).containsExactlyInAnyOrderEntriesOf(Map.of("b", 1L, "d", 6L));
        assertThat(s.seekOffset()).as("b's first event").isEqualTo(1);
        assertThat(ledger.hasNewlySettled()).as("nothing settled since the snapshot").isFalse();
    }

    @Test
    void whenEverythingIsSettledANewOwnerStartsAtTheSnapshotOffset() {
        PartitionLedger ledger = PartitionLedger.fromBeginning();
        fold(ledger, "a", 0, "b", 1, "a", 2);
        ledger.decided("a", ExperimentStatus.COMPLETED, true, true);
        ledger.decided("b", ExperimentStatus.CANCELLED, true, true);

        assertThat(ledger.snapshot("scheduler", 0, 5).seekOffset()).isEqualTo(5);
        assertThat(new Snapshot("scheduler", 0, 9, Map.of(), Map.of()).seekOffset()).as("an empty partition").isEqualTo(9);
    }

    @Test
    void aNewOwnerSkipsWhatTheSnapshotAccountsForAndRebuildsASettledExperimentThatMoved() {
        Snapshot s = new Snapshot("scheduler", 2, 7,
                Map.of("a", new Settled(0, ExperimentStatus.COMPLETED), "c", new Settled(3, ExperimentStatus.CANCELLED)),
                Map.of("b", 1L));
        PartitionLedger ledger = PartitionLedger.from(s);

        assertThat(ledger.verdict("a", 2)).isEqualTo(Verdict.SKIP);
        assertThat(ledger.verdict("b", 4)).isEqualTo(Verdict.FOLD);
        assertThat(ledger.verdict("c", 5)).isEqualTo(Verdict.SKIP);
        assertThat(ledger.verdict("e", 6)).as("new since the snapshot").isEqualTo(Verdict.FOLD);
        assertThat(ledger.verdict("a", 7)).as("something happened to a after the snapshot").isEqualTo(Verdict.REBUILD);
        assertThat(ledger.skippedStatus("a")).isEqualTo(ExperimentStatus.COMPLETED);
        assertThat(ledger.skippedStatus("c")).isEqualTo(ExperimentStatus.CANCELLED);
        assertThat(ledger.skippedStatus("b")).isNull();

        assertThat(ledger.rebuild("a")).isEqualTo(new Settled(0, ExperimentStatus.COMPLETED));
        fold(ledger, "a", 0, "a", 2, "a", 7);
        assertThat(ledger.verdict("a", 8)).isEqualTo(Verdict.FOLD);
        assertThat(ledger.skippedStatus("a")).as("folded now: the gate asks its state").isNull();

        fold(ledger, "b", 1, "b", 4, "e", 6);
        ledger.decided("a", ExperimentStatus.COMPLETED, true, true);
        ledger.decided("b", ExperimentStatus.RUNNING, false, true);
        ledger.decided("e", ExperimentStatus.RUNNING, true, true);
        Snapshot next = ledger.snapshot("scheduler", 2, 9);
        assertThat(next.settled()).as("c carried forward without being folded").containsExactlyInAnyOrderEntriesOf(Map.of(
                "a", new Settled(0, ExperimentStatus.COMPLETED), "c", new Settled(3, ExperimentStatus.CANCELLED)));
        assertThat(next.open()).containsExactlyInAnyOrderEntriesOf(Map.of("b", 1L, "e", 6L));
    }

    @Test
    void aSettledExperimentWithANewEventIsNotSettledUntilDecidedAgain() {
        PartitionLedger ledger = PartitionLedger.fromBeginning();
        fold(ledger, "a", 0);
        ledger.decided("a", ExperimentStatus.COMPLETED, true, true);
        ledger.snapshot("registry", 0, 1);

        fold(ledger, "a", 1);
        assertThat(ledger.snapshot("registry", 0, 2).open()).containsOnlyKeys("a");
        ledger.decided("a", ExperimentStatus.COMPLETED, true, true);
        assertThat(ledger.hasNewlySettled()).isTrue();
        assertThat(ledger.snapshot("registry", 0, 2).settled()).containsOnlyKeys("a");
    }

    @Test
    void anExperimentNeverLoggedIsInNoSnapshot() {
        PartitionLedger ledger = PartitionLedger.fromBeginning();
        // The gate keeps a view of an id it was asked about but never admitted.
        ledger.decided("ghost", ExperimentStatus.UNKNOWN, true, true);
        Snapshot s = ledger.snapshot("scheduler", 0, 0);
        assertThat(s.settled()).isEmpty();
        assertThat(s.open()).isEmpty();
    }

    @Test
    void aSnapshotSurvivesItsAvroForm() throws Exception {
        Snapshot s = new Snapshot("suggestion", 5, 1234,
                Map.of("a", new Settled(10, ExperimentStatus.COMPLETED), "c", new Settled(30, ExperimentStatus.CANCELLED)),
                Map.of("b", 20L));
        byte[] bytes = AvroBytes.encode(PartitionSnapshots.toAvro(s, "i1", Instant.parse("2026-01-01T00:00:00Z")));

        assertThat(PartitionSnapshots.fromAvro(AvroBytes.decode(PartitionSnapshot.class, bytes))).isEqualTo(s);
        assertThat(bytes.length).as("a few dozen bytes per experiment").isLessThan(200);
    }

    /**
     * The property the snapshot exists for: starting from a snapshot taken anywhere in a partition, a new owner
     * folds every experiment it does not skip from its first event, so its states are the full fold's, and each
     * experiment it skips is one the decider has nothing for on the full fold either.
     */
    @Test
    void aNewOwnerFromAnySnapshotFoldsWhatAFullFoldFoldsForEveryExperimentItDecidesFor() {
        for (long seed = 1; seed <= 25; seed++) {
            Random random = new Random(seed);
            List<LoggedEvent> partition = partitionOf(random, 8);
            Decider decider = new CreateThenComplete();
            Map<String, ExperimentState> full = foldAll(partition, partition.size());

            // The old owner folded a prefix, decided on each experiment and wrote a snapshot there.
            int cut = 1 + random.nextInt(partition.size());
            PartitionLedger old = PartitionLedger.fromBeginning();
            Map<String, ExperimentState> prefix = foldAll(partition, cut);
            partition.subList(0, cut).forEach(e -> old.folded(e.event().experimentId(), e.offset()));
            prefix.forEach((id, state) -> old.decided(id, state.status(), decider.decide(state).isEmpty(), true));
            Snapshot snapshot = old.snapshot("test", 0, cut);

            // Something happens to an experiment after it settled: a record written again (a retried write).
            List<LoggedEvent> log = new ArrayList<>(partition);
            snapshot.settled().keySet().stream().findFirst().ifPresent(id -> log.add(new LoggedEvent(log.size(),
                    partition.stream().filter(e -> e.event().experimentId().equals(id)).findFirst().orElseThrow().event())));
            Map<String, ExperimentState> fullWithDuplicate = foldAll(log, log.size());

            PartitionLedger ledger = PartitionLedger.from(snapshot);
            Map<String, ExperimentState> states = new LinkedHashMap<>();
            int folded = 0;
            for (LoggedEvent e : log.subList((int) snapshot.seekOffset(), log.size())) {
                String id = e.event().experimentId();
                Verdict verdict = ledger.verdict(id, e.offset());
                if (verdict == Verdict.SKIP) {
                    continue;
                }
                if (verdict == Verdict.REBUILD) {
                    long first = ledger.rebuild(id).firstOffset();
                    for (LoggedEvent earlier : log.subList((int) first, (int) e.offset())) {
                        if (earlier.event().experimentId().equals(id)) {
                            states.computeIfAbsent(id, ExperimentState::new).apply(earlier);
                            ledger.folded(id, earlier.offset());
                            folded++;
                        }
                    }
                }
                states.computeIfAbsent(id, ExperimentState::new).apply(e);
                ledger.folded(id, e.offset());
                folded++;
            }

            for (Map.Entry<String, ExperimentState> e : fullWithDuplicate.entrySet()) {
                String id = e.getKey();
                ExperimentState expected = e.getValue();
                if (states.containsKey(id)) {
                    ExperimentState actual = states.get(id);
                    assertThat(describe(actual)).as("seed %d, %s", seed, id).isEqualTo(describe(expected));
                    assertThat(decider.decide(actual)).as("seed %d, %s", seed, id).isEqualTo(decider.decide(expected));
                } else {
                    assertThat(ledger.skippedStatus(id)).as("seed %d: %s is skipped only if settled", seed, id).isEqualTo(expected.status());
                    assertThat(log.subList(cut, log.size())).as("seed %d: skipped %s has nothing after the snapshot", seed, id)
                            .noneMatch(r -> r.event().experimentId().equals(id));
                    assertThat(decider.decide(expected)).as("seed %d: nothing to decide for skipped %s", seed, id).isEmpty();
                }
            }
            assertThat(full.keySet()).isEqualTo(fullWithDuplicate.keySet());
            assertThat(folded).as("seed %d: never more than a full fold, plus the rebuilt one", seed).isLessThanOrEqualTo(log.size());
        }
    }

    /** A test decider: creates the spec's trials one by one, then completes the experiment. */
    private static final class CreateThenComplete implements Decider {
        @Override
        public String service() {
            return "test";
        }

        @Override
        public List<Decided> decide(ExperimentState state) {
            if (state.status() != ExperimentStatus.RUNNING) {
                return List.of();
            }
            int created = state.trials().size();
            if (created < state.spec().budget().trials()) {
                String trialId = "trial-%05d".formatted(created);
                return List.of(new Decided(trialId, trialId + "/created", new EventPayload.TrialCreated(Map.of("x", (double) created), "suggested", created)));
            }
            return List.of(new Decided(null, "completed", new EventPayload.ExperimentCompleted("all trials created", null, null)));
        }
    }

    /**
     * A log partition of {@code experiments} experiments, interleaved at random: some run to completion, some are
     * cancelled, some are still running at the end.
     */
    private static List<LoggedEvent> partitionOf(Random random, int experiments) {
        Decider decider = new CreateThenComplete();
        List<List<LoggedEvent>> logs = new ArrayList<>();
        for (int i = 0; i < experiments; i++) {
            LogBuilder log = LogBuilder.submitted("exp-" + i, """
                    name: ledger
                    metric: {name: score, mode: max}
                    budget: {trials: %d}
                    searchSpace: {x: {uniform: [0, 1]}}
                    trial: {command: [train]}
                    """.formatted(1 + random.nextInt(4)));
            int steps = random.nextInt(7);
            for (int s = 0; s < steps && log.state().status() == ExperimentStatus.RUNNING; s++) {
                log.decide(decider);
            }
            if (log.state().status() == ExperimentStatus.RUNNING && random.nextInt(4) == 0) {
                log.command(null, "cancelled", new EventPayload.ExperimentCancelled("by the test", null));
            }
            logs.add(new ArrayList<>(log.events()));
        }
        List<LoggedEvent> partition = new ArrayList<>();
        while (logs.stream().anyMatch(l -> !l.isEmpty())) {
            List<LoggedEvent> from = logs.get(random.nextInt(logs.size()));
            if (!from.isEmpty()) {
                partition.add(new LoggedEvent(partition.size(), from.remove(0).event()));
            }
        }
        return partition;
    }

    private static Map<String, ExperimentState> foldAll(List<LoggedEvent> partition, int upTo) {
        Map<String, ExperimentState> states = new HashMap<>();
        for (LoggedEvent e : partition.subList(0, upTo)) {
            states.computeIfAbsent(e.event().experimentId(), ExperimentState::new).apply(e);
        }
        return states;
    }

    private static String describe(ExperimentState s) {
        return s.status() + " events=" + s.eventCount() + " last=" + s.lastOffset() + " trials=" + s.trials().size()
                + " duplicates=" + s.duplicatesIgnored() + " anomalies=" + s.anomalies();
    }

    /** Folds experiment ids at offsets into the ledger: {@code "a", 0, "b", 1, ...}. */
    private static void fold(PartitionLedger ledger, Object... idsAndOffsets) {
        for (int i = 0; i < idsAndOffsets.length; i += 2) {
            ledger.folded((String) idsAndOffsets[i], ((Number) idsAndOffsets[i + 1]).longValue());
        }
    }
}
