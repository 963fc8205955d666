package io.tunelog.gateway;

import io.tunelog.avro.CommandRejected;
import io.tunelog.http.Problem;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.log.ExperimentsView;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * What the gateway knows of every experiment: each {@link Experiment} as the log folds it, followed by an
 * {@link ExperimentsView} that also reads the rejections, so that a submission the gate refused can be told apart from
 * one it has not logged yet.
 */
public final class ExperimentCatalog implements AutoCloseable {
    private final ExperimentsView<Experiment> view;
    private final Map<String, List<Rejection>> rejections = new ConcurrentHashMap<>();
    /**
     * The latest reports the gate refused, by where the report was on its topic, for the gateway's own leases to learn
     * why one of theirs was refused; bounded, since most are other workers' business.
     */
    private final Map<String, String> reportRejections = Collections.synchronizedMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > MAX_REPORT_REJECTIONS;
        }
    });
    private static final int MAX_REPORT_REJECTIONS = 10_000;

    /** A submission the gate refused: the offset of the command on the submissions topic, and why. */
    public record Rejection(int partition, long commandOffset, String reason) {}

    /** Starts reading; waits (up to a minute) for the log and the rejections topic to exist. */
    public ExperimentCatalog(KafkaClients clients) {
        view = new ExperimentsView<>(clients, "tunelog-gateway", Experiment::new, Experiment::fold, this::rejected);
    }

    /**
     * Runs {@code query} on the experiment under its lock; the query must copy out what it needs. Empty when the log
     * holds no event of the experiment (yet), even if submissions under its id were rejected.
     */
    public <T> Optional<T> read(String experimentId, Function<Experiment, T> query) {
        return view.read(experimentId, query);
    }

    /**
     * {@code query} on the experiment under its lock, or the reason there is none: rejected (422), not in the log
     * (404), or not known yet while the catalog is still reading the log (503). Null when the query finds nothing in
     * an experiment that exists.
     */
    public <T> T require(String experimentId, Function<Experiment, T> query) {
        view.failure().ifPresent(e -> {
            throw new Problem(503, null, "the gateway stopped reading the log: " + e);
        });
        Optional<T> found = view.read(experimentId, query);
        if (found.isPresent()) {
            return found.get();
        }
        if (view.read(experimentId, e -> true).isPresent()) {
            return null; // the query's own "nothing": known experiment, missing part
        }
        List<Rejection> rejected = rejections(experimentId);
        if (!rejected.isEmpty()) {
            throw new Problem(422, "experimentId", "submission of " + experimentId + " rejected: "
                    + rejected.get(rejected.size() - 1).reason());
        }
        throw view.caughtUp()
                ? new Problem(404, "experimentId", "no experiment " + experimentId + " in the log")
                : new Problem(503, "experimentId", "experiment " + experimentId + " is not known yet: the gateway is still reading the log");
    }

    /** {@code query} on every experiment the log holds, each under its own lock in turn. */
    public <T> List<T> readAll(Function<Experiment, T> query) {
        return view.readAll(query);
    }

    /** The submissions under this id that the gate rejected, oldest first. */
    public List<Rejection> rejections(String experimentId) {
        return List.copyOf(rejections.getOrDefault(experimentId, List.of()));
    }

    /** Why the gate refused the report at this partition and offset of the reports topic, once it has. */
    public Optional<String> reportRejection(int partition, long offset) {
        return Optional.ofNullable(reportRejections.get(partition + "@" + offset));
    }

    /**
     * Calls {@code onChange} (on the reader thread, so it must only hand off) after each batch of records that
     * added events to the experiment, until the returned handle is run.
     */
    public Runnable subscribe(String experimentId, Runnable onChange) {
        return view.subscribe(experimentId, onChange);
    }

    /** Whether the fold has reached the end the topics had when reading began: before that, absence proves nothing. */
    public boolean caughtUp() {
        return view.caughtUp();
    }

    /** Why the reader stopped, when it did. */
    public Optional<RuntimeException> failure() {
        return view.failure();
    }

    private void rejected(CommandRejected rejection) {
        if (Topics.REPORTS.equals(rejection.getTopic())) {
            reportRejections.put(rejection.getPartition() + "@" + rejection.getOffset(), rejection.getReason());
        }
        if (Topics.SUBMISSIONS.equals(rejection.getTopic()) && rejection.getExperimentId() != null) {
            rejections.computeIfAbsent(rejection.getExperimentId(), id -> new CopyOnWriteArrayList<>())
                    .add(new Rejection(rejection.getPartition(), rejection.getOffset(), rejection.getReason()));
        }
    }

    @Override
    public void close() {
        view.close();
    }
}
