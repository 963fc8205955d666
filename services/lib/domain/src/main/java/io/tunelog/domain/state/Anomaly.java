package io.tunelog.domain.state;

/** An event the fold could not apply where it stands in the log; the audit fails on any. */
public record Anomaly(long offset, String eventId, String reason) {}
