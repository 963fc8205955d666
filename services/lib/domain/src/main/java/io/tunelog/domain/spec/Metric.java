package io.tunelog.domain.spec;

/** The metric an experiment optimises, as reported by trials under {@code name}. */
public record Metric(String name, Mode mode) {}
