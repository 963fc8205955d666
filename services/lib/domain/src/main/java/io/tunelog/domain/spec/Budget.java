package io.tunelog.domain.spec;

/** How many trials to run in all, and how many at once. */
public record Budget(int trials, int concurrent) {}
