package io.tunelog.cli;

import io.tunelog.avro.CommandRejected;
import io.tunelog.avro.SubmitExperiment;
import io.tunelog.codec.AvroBytes;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.RobustStage;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.log.LogReader;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Submits an experiment and follows its log to the end, with a live progress line. */
final class ExperimentFollower {
    private final KafkaClients clients;
    private final PrintWriter progress;
    private final boolean interactive;

    ExperimentFollower(KafkaClients clients, PrintWriter progress) {
        this.clients = clients;
        this.progress = progress;
        this.interactive = System.console() != null;
    }

    static void submit(KafkaClients clients, String experimentId, SpecFile spec) {
        try (KafkaProducer<String, byte[]> producer = clients.producer("tunelog-submit", null)) {
            producer.send(new ProducerRecord<>(Topics.SUBMISSIONS, experimentId,
                    AvroBytes.encode(new SubmitExperiment(experimentId, spec.text(), System.getProperty("user.name"))))).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while submitting", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot submit " + experimentId + ": " + e.getCause().getMessage(), e);
        }
    }

    /** Folds the experiment's log until it completes; fails on a rejected submission or a silent log. */
    ExperimentState follow(String experimentId, Duration idleTimeout) {
        ExperimentState state = new ExperimentState(experimentId);
        long started = System.nanoTime();
        long[] lastPrint = {0};
        try (LogReader reader = new LogReader(clients, experimentId)) {
            boolean finished = reader.follow(
                    logged -> {
                        state.apply(logged);
                        long now = System.nanoTime();
                        if (now - lastPrint[0] > (interactive ? 200_000_000L : 5_000_000_000L)) {
                            lastPrint[0] = now;
                            printProgress(state, started);
                        }
                    },
                    rejection -> failOnSubmissionRejected(rejection),
                    logged -> state.status().isFinished(),
                    idleTimeout);
            printProgress(state, started);
            if (interactive) {
                progress.println();
            }
            if (!finished) {
                throw new Tunelog.UserError(1, "experiment " + experimentId + " wrote nothing for " + idleTimeout.toSeconds()
                        + " s; is a scheduler and a worker running?");
            }
        }
        return state;
    }

    private static void failOnSubmissionRejected(CommandRejected rejection) {
        if (rejection.getTopic().equals(Topics.SUBMISSIONS)) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "submission of " + rejection.getExperimentId() + " rejected: " + rejection.getReason());
        }
    }

    private void printProgress(ExperimentState state, long startedNanos) {
        if (state.spec() == null) {
            return;
        }
        long running = count(state, TrialStatus.RUNNING);
        long done = count(state, TrialStatus.COMPLETED);
        long failed = state.trials().stream().filter(t -> t.isTerminal(state.spec().trial().maxFailures()) && t.status() == TrialStatus.FAILED).count();
        long stopped = count(state, TrialStatus.STOPPED);
        String best = state.best().map(b -> "best " + b.trialId() + " " + state.spec().metric().name() + "=" + String.format("%.4f", b.value()))
                .orElse("no result yet");
        long secs = Duration.ofNanos(System.nanoTime() - startedNanos).toSeconds();
        String line = String.format("[%s] %d/%d trials: %d running, %d completed, %d stopped, %d failed | %s | %02d:%02d",
                state.spec().name(), state.trials().size(), RobustStage.plannedTrials(state), running, done, stopped, failed, best, secs / 60, secs % 60);
        progress.print(interactive ? "\r" + line + "   " : line + System.lineSeparator());
        progress.flush();
    }

    private static long count(ExperimentState state, TrialStatus status) {
        return state.trials().stream().map(TrialState::status).filter(s -> s == status).count();
    }
}
