package io.tunelog.domain.decide;

import io.tunelog.domain.state.ExperimentState;
import java.util.List;

/**
 * A pure decision rule: what a service adds to the log given an experiment's folded state.
 *
 * <p>It reads only the state (which holds the spec and its seed); no clock, no I/O, no shared
 * randomness. The live service and the audit call the same instance on the same state and must get
 * the same list. Returning only what the state lacks makes deciding again after the echo harmless.
 */
public interface Decider {

    /** The service name written as the source of these decisions. */
    String service();

    List<Decided> decide(ExperimentState state);
}
