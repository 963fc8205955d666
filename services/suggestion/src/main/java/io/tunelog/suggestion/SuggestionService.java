package io.tunelog.suggestion;

import io.tunelog.domain.decide.Decider;
import io.tunelog.service.ServiceLogic;

/** The suggestion service: proposes trial configurations; nothing beside the log. */
public final class SuggestionService implements ServiceLogic {
    private final SuggestionDecider decider = new SuggestionDecider();

    @Override
    public Decider decider() {
        return decider;
    }
}
