package io.tunelog.cli.slurm;

import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.log.ExperimentsView;
import java.util.HashSet;
import java.util.Set;

/**
 * The work waiting for workers, read from the log: every experiment folded from its first event, as the services
 * fold it ({@link ExperimentsView}). A trial is queued when the scheduler has queued an attempt that no worker has
 * started, and running when a worker has; the worker that runs it is named in its state. The log, not the queue
 * topic, is the source: a queue's lag also counts assignments a worker holds, or ones whose trials ended meanwhile.
 */
public final class Backlog implements AutoCloseable {
    private final ExperimentsView<ExperimentState> view;

    public Backlog(KafkaClients clients) {
        view = ExperimentsView.states(clients, "tunelog-slurm-scale");
    }

    /** Whether the fold has reached the end the log had when reading began: before that, the counts mean nothing. */
    public boolean caughtUp() {
        return view.caughtUp();
    }

    /** Attempts queued and running in experiments that run, and the workers that run them. */
    public Seen seen() {
        view.failure().ifPresent(e -> {
            throw new IllegalStateException("the launcher stopped reading the log: " + e.getMessage(), e);
        });
        int queued = 0;
        int running = 0;
        Set<String> workers = new HashSet<>();
        for (Seen seen : view.readAll(Backlog::seen)) {
            queued += seen.queued();
            running += seen.running();
            workers.addAll(seen.workers());
        }
        return new Seen(queued, running, workers);
    }

    private static Seen seen(ExperimentState state) {
        int queued = 0;
        int running = 0;
        Set<String> workers = new HashSet<>();
        // Ask-and-tell trials wait for HTTP clients, not for workers: no Slurm job would run them.
        if (state.status() == ExperimentStatus.RUNNING && !state.spec().trial().askAndTell()) {
            for (TrialState trial : state.trials()) {
                if (trial.status() == TrialStatus.QUEUED) {
                    queued++;
                } else if (trial.status() == TrialStatus.RUNNING) {
                    running++;
                    workers.add(trial.workerId());
                }
            }
        }
        return new Seen(queued, running, workers);
    }

    /** What the log says, each experiment as of one moment: see {@link #seen()}. */
    public record Seen(int queued, int running, Set<String> workers) {}

    @Override
    public void close() {
        view.close();
    }
}
