package io.tunelog.service;

import io.tunelog.domain.spec.Resources;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Whether any live worker could ever run an attempt: one whose {@code --cpus} and {@code --gpus}, as its heartbeats state
 * them, cover the trial's {@code trial.resources}, however busy it is now. Pure; the gate logs what it sees as a
 * {@code TrialPlacement} when it changes, and the scheduler decides on that.
 */
final class Placement {
    /** A live worker and what it has in all, as its heartbeats state it. */
    record Worker(String workerId, int cpus, int gpus) {
        boolean covers(Resources need) {
            return cpus >= need.cpus() && gpus >= need.gpus();
        }

        String describe() {
            return cpus + " CPU" + (cpus == 1 ? "" : "s") + " and " + gpus + " GPU" + (gpus == 1 ? "" : "s");
        }
    }

    /** Whether one fits, and why, in words for the log. */
    record Verdict(boolean placeable, String reason) {}

    private static final int NAMED = 3;

    private Placement() {}

    /** Empty when there is no live worker to judge by: with none, nothing runs anything, and that says nothing of the trial. */
    static Optional<Verdict> judge(Resources need, List<Worker> live) {
        if (live.isEmpty()) {
            return Optional.empty();
        }
        Optional<Worker> fits = live.stream().filter(w -> w.covers(need)).min(Comparator.comparing(Worker::workerId));
        if (fits.isPresent()) {
            return Optional.of(new Verdict(true, "worker " + fits.get().workerId() + " (" + fits.get().describe()
                    + ") can run it"));
        }
        List<Worker> largest = live.stream()
                .sorted(Comparator.comparingInt((Worker w) -> -w.gpus()).thenComparingInt(w -> -w.cpus())
                        .thenComparing(Worker::workerId))
                .toList();
        String named = largest.stream().limit(NAMED).map(w -> w.workerId() + " has " + w.describe())
                .collect(Collectors.joining(", "));
        String more = largest.size() > NAMED ? " and " + (largest.size() - NAMED) + " more" : "";
        return Optional.of(new Verdict(false, "needs " + need.describe() + " (trial.resources), more than any of the " + live.size()
                + " live worker" + (live.size() == 1 ? "" : "s") + " has: " + named + more));
    }
}
