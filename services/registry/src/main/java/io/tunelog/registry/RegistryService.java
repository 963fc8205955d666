package io.tunelog.registry;

import io.tunelog.domain.decide.Decider;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload.CheckpointDeleted;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.service.ServiceLogic;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
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

    /** Removes a file: checkpoint directory; other schemes are left to their storage's lifecycle rules. */
    static void removeFromStorage(String uri) {
        URI parsed = URI.create(uri);
        if (!"file".equals(parsed.getScheme())) {
            return;
        }
        Path dir = Path.of(parsed);
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warn("cannot remove checkpoint {}: {}", uri, e.getMessage());
        }
    }
}
