package io.tunelog.service;

import io.tunelog.domain.state.ExperimentState;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.log.LogReader;

/**
 * A warmStart source experiment as its own log says it is, read by the gate when a submission names it. The source may
 * live on a log partition this gate instance does not own, so the gate does not look in its views: it reads the
 * source's partition, committed events only, to its end and folds the source's events. It costs a scan of that
 * partition, once per source per warm-started submission.
 */
final class WarmStartSources {

    private WarmStartSources() {}

    static ExperimentState fold(KafkaClients clients, String experimentId) {
        ExperimentState state = new ExperimentState(experimentId);
        try (LogReader reader = new LogReader(clients, experimentId)) {
            reader.readToEnd(state::apply);
        }
        return state;
    }
}
