package io.tunelog.gateway;

import java.time.Duration;
import java.time.Instant;

/**
 * One HTTP client's hold on one attempt of a trial: the gateway is the attempt's worker, under a worker id of the
 * lease's own, and heartbeats for it until {@code expiresAt}. Every call on the lease moves that on by its term.
 * {@code heartbeating} is false once the attempt has ended for the client (completed, failed, stopped) or its start
 * was refused: nothing more to keep alive. {@code lapsedAt}: when it last lapsed before a call revived it (null if
 * never), for the client to hear why the gate refuses it.
 */
record Lease(String leaseId, String experimentId, String trialId, int attempt, String workerId, Duration term,
             Instant expiresAt, boolean heartbeating, Instant lapsedAt) {

    /** The attempt as heartbeats name it: {@code experimentId/trialId/attempt}. */
    String attemptKey() {
        return experimentId + "/" + trialId + "/" + attempt;
    }

    boolean lapsed(Instant now) {
        return now.isAfter(expiresAt);
    }

    Lease extended(Instant now) {
        return new Lease(leaseId, experimentId, trialId, attempt, workerId, term, now.plus(term), heartbeating,
                lapsed(now) ? expiresAt : lapsedAt);
    }

    Lease ended() {
        return new Lease(leaseId, experimentId, trialId, attempt, workerId, term, expiresAt, false, lapsedAt);
    }
}
