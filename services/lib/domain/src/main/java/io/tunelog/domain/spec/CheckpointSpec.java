package io.tunelog.domain.spec;

/**
 * How many checkpoints to keep per trial. With a score attribute the best {@code keep} by that
 * metric are kept (in {@code scoreMode}); without one, the latest {@code keep}.
 */
public record CheckpointSpec(int keep, String scoreAttribute, Mode scoreMode) {}
