package io.tunelog.domain.state;

import java.time.Instant;
import java.util.Map;

/** One accepted result of a trial: metrics at a training step, from one attempt. */
public record Report(int attempt, long step, Map<String, Double> metrics, Instant timestamp) {}
