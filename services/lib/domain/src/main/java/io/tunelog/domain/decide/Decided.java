package io.tunelog.domain.decide;

import io.tunelog.domain.event.EventPayload;

/**
 * One decision before it becomes an event.
 *
 * @param trialId the trial it concerns, or null
 * @param key     unique within the experiment and stable under replay (the event id is derived from it)
 */
public record Decided(String trialId, String key, EventPayload.Decision payload) {}
