package io.tunelog.service;

import io.tunelog.domain.state.ExperimentStatus;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one service knows of one log partition beside its experiments' states: where each experiment begins
 * in the partition, which experiments are <em>settled</em> for the service, and, for an owner that started
 * from a snapshot, which experiments it skipped. Pure: no Kafka, no clock.
 *
 * <p>An experiment is settled for a service when it has ended (completed or cancelled), the service's
 * decider returns nothing for it, and no decision of the service's about it is still on its way back from
 * the log. Settlement is per service: the registry, for one, still deletes checkpoints once an experiment
 * has completed. A settled experiment stays settled as long as nothing more is logged about it, because a
 * decider reads only the experiment's own state.
 *
 * <p>A {@link Snapshot} says, for an offset, which experiments were settled there and where the others
 * begin. A new owner that starts from one seeks to {@link Snapshot#seekOffset()}, folds everything of the
 * other experiments from there (their first events are not before it) and skips the settled ones. Their
 * records before the snapshot's offset are accounted for; a record at or after it means something happened
 * to a settled experiment, and the owner must fold that experiment from its first offset before it goes on
 * ({@link Verdict#REBUILD}). So every experiment the owner decides for is folded from its start, as a full
 * fold would have it: decisions do not depend on whether a snapshot was used.
 */
final class PartitionLedger {

    /** A settled experiment: where its log starts and how it ended. */
    record Settled(long firstOffset, ExperimentStatus status) {
        Settled {
            if (!status.isFinished()) {
                throw new IllegalArgumentException("a settled experiment has ended, not " + status);
            }
        }
    }

    /**
     * Where one service stood on one log partition at {@code offset}: every record before it was folded;
     * {@code settled} experiments were settled there, {@code open} ones (with their first offsets) were not.
     */
    record Snapshot(String service, int partition, long offset, Map<String, Settled> settled, Map<String, Long> open) {
        Snapshot {
            settled = Collections.unmodifiableMap(new TreeMap<>(settled));
            open = Collections.unmodifiableMap(new TreeMap<>(open));
        }

        /**
         * Where a new owner starts reading: the first event of the earliest experiment not settled, or the
         * snapshot's offset if every experiment before it is settled (later experiments begin at or after it).
         */
        long seekOffset() {
            long seek = offset;
            for (long first : open.values()) {
                seek = Math.min(seek, first);
            }
            return seek;
        }
    }

    /** What the loop does with a log record of an experiment. */
    enum Verdict {
        /** Fold it: the experiment is folded here from its start. */
        FOLD,
        /** Skip it: the experiment was settled at the snapshot, which accounts for this record. */
        SKIP,
        /** Fold the experiment from its first offset up to this record first: it was skipped as settled, and is no longer. */
        REBUILD
    }

    private final long snapshotOffset;
    /** Experiments settled at the snapshot this owner started from, and not folded since. */
    private final Map<String, Settled> skipped;
    /** Every experiment folded here, with the offset of its first record. */
    private final Map<String, Long> firstOffsets = new HashMap<>();
    /** Those of them settled at their last decision, with how they ended. */
    private final Map<String, ExperimentStatus> settled = new HashMap<>();
    private boolean newlySettled;

    private PartitionLedger(long snapshotOffset, Map<String, Settled> skipped) {
        this.snapshotOffset = snapshotOffset;
        this.skipped = new HashMap<>(skipped);
    }

    /** For an owner that folds the partition from its beginning. */
    static PartitionLedger fromBeginning() {
        return new PartitionLedger(0, Map.of());
    }

    /** For an owner that starts from {@code snapshot} (reading from its {@link Snapshot#seekOffset()}). */
    static PartitionLedger from(Snapshot snapshot) {
        return new PartitionLedger(snapshot.offset(), snapshot.settled());
    }

    /** The rule: whether an experiment is settled for a service, given what its decider just returned. */
    static boolean settles(ExperimentStatus status, boolean decidedNothing, boolean nothingPending) {
        return status.isFinished() && decidedNothing && nothingPending;
    }

    /** What to do with a record of {@code experimentId} at {@code offset}. */
    Verdict verdict(String experimentId, long offset) {
        if (!skipped.containsKey(experimentId)) {
            return Verdict.FOLD;
        }
        return offset < snapshotOffset ? Verdict.SKIP : Verdict.REBUILD;
    }

    /** Takes a skipped experiment back to be folded from its first offset (after {@link Verdict#REBUILD}). */
    Settled rebuild(String experimentId) {
        Settled s = skipped.remove(experimentId);
        if (s == null) {
            throw new IllegalStateException(experimentId + " was not skipped");
        }
        return s;
    }

    /** How an experiment skipped as settled ended, or null if it was not skipped (it is folded here, or unknown). */
    ExperimentStatus skippedStatus(String experimentId) {
        Settled s = skipped.get(experimentId);
        return s == null ? null : s.status();
    }

    /** A record of the experiment was folded: it is not settled until it is decided on again. */
    void folded(String experimentId, long offset) {
        firstOffsets.putIfAbsent(experimentId, offset);
        settled.remove(experimentId);
    }

    /** The service decided on the experiment's state; see {@link #settles}. */
    void decided(String experimentId, ExperimentStatus status, boolean decidedNothing, boolean nothingPending) {
        if (!firstOffsets.containsKey(experimentId)) {
            return; // nothing of it was logged yet
        }
        if (settles(status, decidedNothing, nothingPending)) {
            if (settled.put(experimentId, status) == null) {
                newlySettled = true;
            }
        } else {
            settled.remove(experimentId);
        }
    }

    /** Whether an experiment settled since the last {@link #snapshot}: a new snapshot would let a new owner skip more. */
    boolean hasNewlySettled() {
        return newlySettled;
    }

    /** The snapshot at {@code offset}, which must be the owner's position: every record before it was folded (or skipped). */
    Snapshot snapshot(String service, int partition, long offset) {
        Map<String, Settled> allSettled = new HashMap<>(skipped);
        Map<String, Long> open = new HashMap<>();
        firstOffsets.forEach((id, first) -> {
            ExperimentStatus status = settled.get(id);
            if (status != null) {
                allSettled.put(id, new Settled(first, status));
            } else {
                open.put(id, first);
            }
        });
        newlySettled = false;
        return new Snapshot(service, partition, offset, allSettled, open);
    }
}
