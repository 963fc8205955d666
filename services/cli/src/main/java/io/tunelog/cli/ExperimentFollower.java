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
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/** Submits an experiment and follows its log to the end, with a live progress line. */
final class ExperimentFollower {
    private final KafkaClients clients;
    private final PrintWriter progress;
    private final boolean interactive;
    private final int width;

    ExperimentFollower(KafkaClients clients, PrintWriter progress) {
        this.clients = clients;
        this.progress = progress;
        this.interactive = System.console() != null;
        this.width = TerminalWidth.columns(System.getenv("COLUMNS"), interactive);
    }

    static void submit(KafkaClients clients, String experimentId, SpecFile spec) {
        send(clients, experimentId, new SubmitExperiment(experimentId, spec.text(), System.getProperty("user.name")));
    }

    /** Sends a command about an experiment to the gate; returns once the broker has it, with where it is. */
    static RecordMetadata send(KafkaClients clients, String experimentId, SpecificRecordBase command) {
        try (KafkaProducer<String, byte[]> producer = clients.producer("tunelog-submit", null)) {
            return producer.send(new ProducerRecord<>(Topics.SUBMISSIONS, experimentId, AvroBytes.encode(command))).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending " + command.getSchema().getName(), e);
        } catch (ExecutionException e) {
            // Unreachable brokers, refused credentials or a missing ACL: the cause says which, in Kafka's words.
            throw new Tunelog.UserError(1, "cannot send " + command.getSchema().getName() + " for " + experimentId + ": "
                    + e.getCause().getMessage());
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
        // One column short of the width: a line that fills the last column wraps on some terminals.
        String line = fit(line(state, Duration.ofNanos(System.nanoTime() - startedNanos)), width - 1);
        // Padded over what a longer line before it left on the terminal.
        progress.print(interactive ? "\r" + line + " ".repeat(width - 1 - line.length()) : line + System.lineSeparator());
        progress.flush();
    }

    /** The progress line: trials by how they stand, the best so far, time and ETA, and why a trial cannot be placed. */
    static String line(ExperimentState state, Duration elapsed) {
        long running = count(state, TrialStatus.RUNNING);
        long done = count(state, TrialStatus.COMPLETED);
        long failed = state.trials().stream().filter(t -> t.isTerminal(state.spec().trial().maxFailures()) && t.status() == TrialStatus.FAILED).count();
        long stopped = count(state, TrialStatus.STOPPED);
        int planned = RobustStage.plannedTrials(state);
        int frontSize = state.spec().isMultiObjective() ? state.front().size() : 0;
        String best = state.spec().isMultiObjective() ? "front " + frontSize + (frontSize == 1 ? " trial" : " trials")
                : state.best().map(b -> "best " + b.trialId() + " " + state.spec().metric().name() + "=" + String.format("%.4f", b.value()))
                        .orElse("no result yet");
        long ended = done + stopped + failed;
        // A trial that no live worker can run would otherwise just wait: say so, and why (the first one's reason).
        List<TrialState> unplaceable = state.unplaceableTrials();
        String stuck = unplaceable.isEmpty() ? "" : " | " + unplaceable.size() + " unplaceable: " + unplaceable.get(0).trialId() + " "
                + unplaceable.get(0).unplaceable();
        return String.format("[%s] %s %d/%d ended: %d running, %d completed, %d stopped, %d failed%s | %s | %s, %s",
                state.spec().name(), bar(ended, planned, 20), ended, planned, running, done, stopped, failed, stuck, best,
                clock(elapsed), eta(elapsed, ended, planned).map(left -> "ETA " + clock(left)).orElse("ETA --:--"));
    }

    /**
     * The line within {@code max} characters, giving up first what repeats or matters least: the bar (the count says
     * it), then the trials by status (the count of those ended stays), then the text before the best value and the
     * clock, which stay whole while there is room for them.
     */
    static String fit(String line, int max) {
        String shorter = line;
        for (String dispensable : List.of(" \\[[#.]*\\]", "(?<= ended): [^|]*?(?= \\|)")) {
            if (shorter.length() <= max) {
                return shorter;
            }
            shorter = shorter.replaceFirst(dispensable, "");
        }
        if (shorter.length() <= max) {
            return shorter;
        }
        String tail = shorter.substring(shorter.lastIndexOf(" | "));
        int room = max - tail.length() - 3;
        return room >= 20 ? shorter.substring(0, room) + "..." + tail : shorter.substring(0, Math.max(0, max - 3)) + "...";
    }

    /** A bar of {@code width} cells, filled in proportion to {@code done} of {@code total}. */
    static String bar(long done, long total, int width) {
        int filled = total <= 0 ? 0 : (int) Math.min(width, done * width / total);
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "]";
    }

    /**
     * The time left if the trials still to end take as long, on average, as those that ended: empty before the
     * first has ended, since there is nothing yet to go by.
     */
    static Optional<Duration> eta(Duration elapsed, long ended, long total) {
        if (ended <= 0) {
            return Optional.empty();
        }
        return Optional.of(elapsed.multipliedBy(Math.max(0, total - ended)).dividedBy(ended));
    }

    static String clock(Duration d) {
        long s = d.toSeconds();
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String.format("%02d:%02d", s / 60, s % 60);
    }

    private static long count(ExperimentState state, TrialStatus status) {
        return state.trials().stream().map(TrialState::status).filter(s -> s == status).count();
    }
}
