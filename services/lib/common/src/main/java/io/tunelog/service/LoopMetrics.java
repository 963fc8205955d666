package io.tunelog.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one service's loop exposes to Prometheus, tagged with the service: events folded,
 * decisions written, commands admitted and rejected, the time from an experiment's newest event to the decision on
 * it, how far the loop is behind its partitions, its experiments' trials by status and, for the gate, the workers
 * it hears from. The loop's thread updates plain atomics that the gauges read, because a scrape runs on another
 * thread and Kafka's consumer, like the states, must only be touched by the loop.
 *
 * <p>Names follow Prometheus's: counters end in {@code _total} and timers in {@code _seconds} (Micrometer adds both),
 * gauges carry their unit as Micrometer's base unit, which it appends. No {@code instance} tag: Prometheus adds that
 * label to every scraped sample itself (the scrape target), and a process runs one loop per service.
 */
final class LoopMetrics implements AutoCloseable {
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    final Counter folded;
    final Counter decisions;
    final Counter admitted;
    final Counter rejected;
    final Timer decisionLatency;
    private final AtomicLong lag = new AtomicLong();
    private final Map<TrialStatus, AtomicLong> trials = new EnumMap<>(TrialStatus.class);
    private final AtomicLong workers = new AtomicLong();

    LoopMetrics(MeterRegistry registry, String service, boolean gate) {
        this.registry = registry;
        Tags tags = Tags.of("service", service);
        folded = add(Counter.builder("tunelog.events.folded").description("Log events folded into experiments' states")
                .tags(tags).register(registry));
        decisions = add(Counter.builder("tunelog.decisions").description("Decided events written to the log")
                .tags(tags).register(registry));
        admitted = add(Counter.builder("tunelog.commands").description("Commands judged by the gate").tags(tags)
                .tag("outcome", "admitted").register(registry));
        rejected = add(Counter.builder("tunelog.commands").description("Commands judged by the gate").tags(tags)
                .tag("outcome", "rejected").register(registry));
        decisionLatency = add(Timer.builder("tunelog.decision.latency")
                .description("From the newest event an experiment's decision was made on to the decision's commit")
                .publishPercentileHistogram().maximumExpectedValue(Duration.ofSeconds(30)).tags(tags).register(registry));
        add(Gauge.builder("tunelog.consumer.lag.records", lag, AtomicLong::get).baseUnit("records")
                .description("Records in the loop's partitions not yet consumed").tags(tags).register(registry));
        for (TrialStatus status : TrialStatus.values()) {
            AtomicLong count = new AtomicLong();
            trials.put(status, count);
            add(Gauge.builder("tunelog.trials", count, AtomicLong::get).baseUnit("trials")
                    .description("Trials of running experiments by status")
                    .tags(tags).tag("status", status.name().toLowerCase(Locale.ROOT)).register(registry));
        }
        if (gate) {
            add(Gauge.builder("tunelog.workers", workers, AtomicLong::get).baseUnit("workers")
                    .description("Workers heard from within a lease").tags(tags).register(registry));
        }
    }

    private <M extends Meter> M add(M meter) {
        meters.add(meter);
        return meter;
    }

    void lag(long records) {
        lag.set(records);
    }

    void workers(int live) {
        workers.set(live);
    }

    /** Counts the trials of the running experiments by status. */
    void trials(Collection<ExperimentState> experiments) {
        Map<TrialStatus, Long> counts = new EnumMap<>(TrialStatus.class);
        for (ExperimentState state : experiments) {
            if (!state.status().isFinished()) {
                for (TrialState trial : state.trials()) {
                    counts.merge(trial.status(), 1L, Long::sum);
                }
            }
        }
        trials.forEach((status, count) -> count.set(counts.getOrDefault(status, 0L)));
    }

    /** Removes this loop's meters: a loop started again in its place registers its own. */
    @Override
    public void close() {
        meters.forEach(registry::remove);
    }
}
