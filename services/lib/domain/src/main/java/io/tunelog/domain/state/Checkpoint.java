package io.tunelog.domain.state;

import java.util.Map;

/** A checkpoint registered by a trial, live until a CheckpointDeleted names it. */
public record Checkpoint(String checkpointId, String trialId, int attempt, long step, String uri,
                         long sizeBytes, Map<String, Double> metrics, boolean deleted) {

    Checkpoint markDeleted() {
        return new Checkpoint(checkpointId, trialId, attempt, step, uri, sizeBytes, metrics, true);
    }
}
