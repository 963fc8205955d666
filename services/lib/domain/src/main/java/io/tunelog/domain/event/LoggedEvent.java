package io.tunelog.domain.event;

/** An event with its position in the log (the Kafka offset in its partition, or its place in an export). */
public record LoggedEvent(long offset, Event event) {}
