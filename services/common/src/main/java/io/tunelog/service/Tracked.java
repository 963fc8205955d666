package io.tunelog.service;

import io.tunelog.domain.state.ExperimentState;
import io.tunelog.log.Integrity;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/** An experiment as one loop sees it: its folded state, what the loop wrote of it that is not yet read back, and proof of its basis. */
final class Tracked {
    final int partition;
    final ExperimentState log;
    /** The log plus commands admitted but not yet read back; only the gate uses it. */
    final ExperimentState gateView;
    /** Ids of decisions this loop wrote that it has not read back from the log yet. */
    final Set<String> pendingDecisions = new HashSet<>();
    /** Digest of the log prefix folded into {@code log}; written with every event as proof of its basis. */
    final Integrity.PrefixDigest prefix = new Integrity.PrefixDigest();
    /** When the newest event folded into {@code log} was written. */
    Instant lastFoldedAt;

    Tracked(int partition, String experimentId) {
        this.partition = partition;
        log = new ExperimentState(experimentId);
        gateView = new ExperimentState(experimentId);
    }

    String experimentId() {
        return log.experimentId();
    }

    /** The offset of the last event folded, as a decision's or an admitted command's basis; null before any. */
    Long basis() {
        return log.lastOffset() < 0 ? null : log.lastOffset();
    }
}
