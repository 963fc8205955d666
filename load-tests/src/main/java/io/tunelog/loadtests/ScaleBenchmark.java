package io.tunelog.loadtests;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunelog.domain.decide.Decider;
import io.tunelog.domain.decide.Decisions;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.EventPayload.TrialQueued;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.spec.SpecJson;
import io.tunelog.domain.spec.SpecParser;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.replay.ServiceCatalog;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Cost per event as one experiment grows to many trials: the fold and the three services' real deciders,
 * driven as the live loop drives them, with no Kafka.
 *
 * <p>Each service folds every event of the log into its own {@link ExperimentState} and decides on it
 * after each poll. Here {@code concurrent} simulated workers take queued attempts in order, start them,
 * report {@code steps} results (registering a checkpoint after every second one) and complete, unless
 * the scheduler stopped the trial first; their events reach the log one at a time, in a seeded random
 * interleaving. Every {@code passEvery} worker events stand for one poll: the three states fold them, then
 * each service decides once on its state, and its decisions are folded by all three (the echo, before
 * anyone decides again). Only that work is timed: building the workers' events is not.
 *
 * <p>Usage: {@code java -cp ... io.tunelog.loadtests.ScaleBenchmark [trials=100000] [concurrent=64] [steps=4]
 * [passEvery=32] [report.json=load-tests/target/scale.json]}. A 5,000-trial experiment runs first to warm
 * the JIT and is discarded. For each mark (1k … 100k trials created) it reports the cost per event over
 * the window of the last {@value #WINDOW_TRIALS} trials before the mark, and the heap used after a full
 * GC per trial (all three services' states together).
 */
public final class ScaleBenchmark {
    private static final int[] MARKS = {1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000};
    private static final int WINDOW_TRIALS = 500;
    private static final int PASSES_PER_SPAN = 4;
    private static final int WARM_UP_TRIALS = 5_000;
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    /**
     * The cost measured in the window before a mark, and the heap held at the mark. {@code nsPerEvent} is the
     * window's median over spans of {@value #PASSES_PER_SPAN} polls: on two cores shared with other work, a
     * mean is moved by whatever else ran meanwhile; the mean, collections included, is kept beside it.
     */
    record Mark(int trials, long events, long windowEvents, double nsPerEvent, double meanNsPerEvent, double heapBytesPerTrial) {}

    public static void main(String[] args) throws Exception {
        int trials = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int concurrent = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        int passEvery = args.length > 3 ? Integer.parseInt(args[3]) : 32;
        Path report = args.length > 4 ? Path.of(args[4]) : Path.of("load-tests", "target", "scale.json");

        System.out.printf("warm-up: %,d trials%n", WARM_UP_TRIALS);
        new ScaleRun(spec(WARM_UP_TRIALS, concurrent, steps), concurrent, steps, passEvery).run(new int[0]);
        System.out.printf("%,d trials, %d concurrent, %d reports per trial, a decision pass every %d worker events%n",
                trials, concurrent, steps, passEvery);
        long started = System.nanoTime();
        List<Mark> marks = new ScaleRun(spec(trials, concurrent, steps), concurrent, steps, passEvery).run(MARKS);
        double seconds = (System.nanoTime() - started) / 1e9;

        System.out.printf("%n| trials | events | ns/event, median | ns/event, mean | heap/trial, 3 states (bytes) |%n");
        System.out.println("|---:|---:|---:|---:|---:|");
        for (Mark m : marks) {
            System.out.printf("| %,d | %,d | %,.0f | %,.0f | %,.0f |%n", m.trials(), m.events(), m.nsPerEvent(), m.meanNsPerEvent(),
                    m.heapBytesPerTrial());
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("trials", trials);
        result.put("concurrent", concurrent);
        result.put("steps", steps);
        result.put("passEvery", passEvery);
        result.put("windowTrials", WINDOW_TRIALS);
        result.put("seconds", seconds);
        result.put("marks", marks);
        if (marks.size() > 1) {
            Mark first = marks.get(0);
            Mark last = marks.get(marks.size() - 1);
            double ratio = last.nsPerEvent() / first.nsPerEvent();
            double meanRatio = last.meanNsPerEvent() / first.meanNsPerEvent();
            System.out.printf("%ncost per event at %,d trials / at %,d trials: %.2f (median), %.2f (mean); %.1f s in all%n",
                    last.trials(), first.trials(), ratio, meanRatio, seconds);
            result.put("ratioLastToFirst", ratio);
            result.put("meanRatioLastToFirst", meanRatio);
        }
        Files.createDirectories(report.toAbsolutePath().getParent());
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(report.toFile(), result);
        System.out.println("report: " + report);
    }

    /** Random search under ASHA, rungs at steps 1 and 2, every trial stopped at its last step (maxT). */
    static String spec(int trials, int concurrent, int steps) {
        return """
                name: scale
                metric: {name: loss, mode: min}
                seed: 7
                budget: {trials: %d, concurrent: %d}
                searchSpace:
                  x: {uniform: [0, 1]}
                  y: {loguniform: [0.001, 1]}
                searcher: {type: random}
                scheduler: {type: asha, maxT: %d, gracePeriod: 1, reductionFactor: 2}
                trial: {command: [simulated], checkpoint: {keep: 1}}
                """.formatted(trials, concurrent, steps);
    }

    /** One experiment from submission to completion, the log held only as the services' folded states. */
    private static final class ScaleRun {
        private final int concurrent;
        private final int steps;
        private final int passEvery;
        private final List<Decider> deciders = new ArrayList<>(ServiceCatalog.deciders().values());
        private final List<ExperimentState> states = new ArrayList<>();
        private final Deque<Queued> queue = new ArrayDeque<>();
        private final List<Worker> busy = new ArrayList<>();
        private final List<Event> polled = new ArrayList<>();
        private final SplittableRandom random = new SplittableRandom(11);
        private final String specText;
        private long nextOffset;
        private long gateSequence;
        private long foldedEvents;
        private Window window;

        ScaleRun(String specText, int concurrent, int steps, int passEvery) {
            this.specText = specText;
            this.concurrent = concurrent;
            this.steps = steps;
            this.passEvery = passEvery;
            deciders.forEach(d -> states.add(new ExperimentState("scale")));
        }

        private record Queued(String trialId, int attempt) {}

        /** The timed polls since a window opened, in spans of a few polls each. */
        private static final class Window {
            final List<Double> spanNsPerEvent = new ArrayList<>();
            long nanos;
            long events;
            long spanNanos;
            long spanEvents;
            int spanPolls;

            void add(long pollNanos, long pollEvents) {
                nanos += pollNanos;
                events += pollEvents;
                spanNanos += pollNanos;
                spanEvents += pollEvents;
                if (++spanPolls == PASSES_PER_SPAN) {
                    spanNsPerEvent.add((double) spanNanos / spanEvents);
                    spanNanos = 0;
                    spanEvents = 0;
                    spanPolls = 0;
                }
            }

            double medianNsPerEvent() {
                List<Double> sorted = spanNsPerEvent.stream().sorted().toList();
                return sorted.isEmpty() ? (double) nanos / events : sorted.get(sorted.size() / 2);
            }
        }

        /** A worker slot running one attempt; {@code next} is what it sends next. */
        private static final class Worker {
            enum Next { START, REPORT, CHECKPOINT, COMPLETE }

            final TrialState trial;
            final int attempt;
            Next next = Next.START;
            long step;

            Worker(TrialState trial, int attempt) {
                this.trial = trial;
                this.attempt = attempt;
            }
        }

        List<Mark> run(int[] marks) {
            var spec = SpecParser.parse(specText);
            polled.add(command(null, "submitted", new EventPayload.ExperimentSubmitted(spec.name(), SpecJson.toJson(spec), spec.seed(), "bench")));
            long baselineHeap = heapAfterGc();
            List<Mark> measured = new ArrayList<>();
            int nextMark = 0;
            poll();
            ExperimentState view = states.get(0);
            while (!view.status().isFinished()) {
                while (busy.size() < concurrent && !queue.isEmpty()) {
                    Queued q = queue.poll();
                    busy.add(new Worker(view.trial(q.trialId()), q.attempt()));
                }
                if (busy.isEmpty() || polled.size() >= passEvery) {
                    boolean idle = busy.isEmpty() && polled.isEmpty();
                    int before = queue.size();
                    poll();
                    if (idle && queue.size() == before && !view.status().isFinished()) {
                        throw new IllegalStateException("nothing runs or waits, yet the experiment is " + view.status());
                    }
                } else {
                    work(busy.get(random.nextInt(busy.size())));
                }
                int created = view.trials().size();
                if (nextMark < marks.length && window == null && created >= marks[nextMark] - WINDOW_TRIALS) {
                    window = new Window();
                }
                if (nextMark < marks.length && created >= marks[nextMark]) {
                    double heapPerTrial = (double) (heapAfterGc() - baselineHeap) / created;
                    Mark mark = new Mark(created, foldedEvents, window.events, window.medianNsPerEvent(),
                            (double) window.nanos / window.events, heapPerTrial);
                    measured.add(mark);
                    System.out.printf("%,7d trials: %,6.0f ns/event (median; mean %,6.0f) over the last %,d events, %,6.0f heap bytes/trial%n",
                            created, mark.nsPerEvent(), mark.meanNsPerEvent(), mark.windowEvents(), heapPerTrial);
                    nextMark++;
                    window = null;
                }
            }
            for (ExperimentState state : states) {
                if (state.anomalyCount() > 0) {
                    throw new IllegalStateException("the fold refused an event: " + state.anomalies().get(0));
                }
            }
            return measured;
        }

        /** The worker's next event, or none when the scheduler has stopped its trial (the worker saw the STOP). */
        private void work(Worker w) {
            if (w.trial.attempt() != w.attempt || !(w.trial.status() == TrialStatus.QUEUED || w.trial.status() == TrialStatus.RUNNING)) {
                busy.remove(w);
                return;
            }
            String trialId = w.trial.trialId();
            String prefix = trialId + "/a" + w.attempt;
            switch (w.next) {
                case START -> {
                    polled.add(command(trialId, prefix + "/started", new EventPayload.TrialStarted(w.attempt, "w1", "host", null)));
                    w.next = Worker.Next.REPORT;
                }
                case REPORT -> {
                    w.step++;
                    polled.add(command(trialId, prefix + "/step-" + w.step,
                            new EventPayload.TrialReported(w.attempt, w.step, metrics(w), null)));
                    w.next = w.step % 2 == 0 ? Worker.Next.CHECKPOINT : w.step < steps ? Worker.Next.REPORT : Worker.Next.COMPLETE;
                }
                case CHECKPOINT -> {
                    String id = prefix + "/checkpoint_" + w.step;
                    polled.add(command(trialId, prefix + "/checkpoint-" + id,
                            new EventPayload.CheckpointRegistered(w.attempt, id, w.step, "file:///ckpt/" + id, 10, metrics(w))));
                    w.next = w.step < steps ? Worker.Next.REPORT : Worker.Next.COMPLETE;
                }
                case COMPLETE -> {
                    polled.add(command(trialId, prefix + "/completed", new EventPayload.TrialCompleted(w.attempt, Map.of())));
                    busy.remove(w);
                }
            }
        }

        /** A learning curve that falls towards a configuration's floor, with noise. */
        private Map<String, Double> metrics(Worker w) {
            double x = ((Number) w.trial.config().get("x")).doubleValue();
            double floor = (x - 0.3) * (x - 0.3);
            return Map.of("loss", floor + 1.0 / w.step + 0.05 * random.nextDouble());
        }

        /** One poll of every service: fold what the workers sent, then each decides once and all fold its decisions. */
        private void poll() {
            long eventsBefore = foldedEvents;
            long start = System.nanoTime();
            for (Event e : polled) {
                fold(e);
            }
            for (int i = 0; i < deciders.size(); i++) {
                Decider decider = deciders.get(i);
                ExperimentState own = states.get(i);
                for (Event e : Decisions.toEvents(own, decider.service(), "bench", decider.decide(own), T0.plusMillis(nextOffset))) {
                    fold(e);
                    if (e.payload() instanceof TrialQueued q) {
                        queue.add(new Queued(e.trialId(), q.attempt()));
                    }
                }
            }
            if (window != null) {
                window.add(System.nanoTime() - start, foldedEvents - eventsBefore);
            }
            polled.clear();
        }

        private void fold(Event e) {
            LoggedEvent logged = new LoggedEvent(nextOffset++, e);
            for (ExperimentState state : states) {
                state.apply(logged);
            }
            foldedEvents++;
        }

        /** A worker's command as the gate admits it. */
        private Event command(String trialId, String key, EventPayload.Command payload) {
            long basis = nextOffset + polled.size() - 1;
            return new Event(Event.id("scale", key), "scale", trialId, gateSequence++, T0.plusMillis(basis + 1),
                    new Event.Source("gate", "bench"), basis < 0 ? null : basis, payload);
        }

        private static long heapAfterGc() {
            System.gc();
            System.gc();
            return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        }
    }
}
