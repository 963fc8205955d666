package io.tunelog.registry;

import io.tunelog.domain.decide.Decider;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload.CheckpointDeleted;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.registry.storage.CheckpointStores;
import io.tunelog.registry.storage.UnsupportedSchemeException;
import io.tunelog.service.ServiceLogic;
import java.io.IOException;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoint registry: decides retention from the log, then removes deleted checkpoints from
 * storage. Removal happens after the decision is committed, so storage never loses a checkpoint the
 * log still lists as live; a crash in between leaves an orphan, never a dangling reference.
 */
public final class RegistryService implements ServiceLogic {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryService.class);

    private final RetentionDecider decider = new RetentionDecider();
    private final CheckpointStores stores;

    /** @param stores where checkpoints are removed from: the workers' storage roots, never beyond them */
    public RegistryService(CheckpointStores stores) {
        this.stores = stores;
    }

    @Override
    public Decider decider() {
        return decider;
    }

    @Override
    public void afterCommit(Event decided, ExperimentState state) {
        if (decided.payload() instanceof CheckpointDeleted d) {
            state.trial(decided.trialId()).checkpoints().stream()
                    .filter(c -> c.checkpointId().equals(d.checkpointId()))
                    .findFirst()
                    .ifPresent(c -> removeFromStorage(c.uri()));
        }
    }

    /**
     * Removes a checkpoint through the store of its URI's scheme; a scheme without a store is left to
     * its storage's lifecycle rules. Never throws: the deletion is already committed, and a failure
     * here leaves an orphan in storage, which must not stop the service.
     */
    void removeFromStorage(String uri) {
        try {
            URI parsed = URI.create(uri);
            stores.forUri(parsed).remove(parsed);
        } catch (UnsupportedSchemeException e) {
            LOG.debug("checkpoint {} left to its storage: {}", uri, e.getMessage());
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot remove checkpoint {}: {}", uri, e.getMessage());
        }
    }
}
