package io.tunelog.service;

import io.tunelog.avro.WorkerHeartbeat;
import io.tunelog.codec.AvroBytes;
import io.tunelog.codec.AvroBytes.UndecodableRecord;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Workers' leases on the attempts they run, kept by the gate from the heartbeat topic. A running attempt
 * whose worker has not been heard from for {@link #LEASE} (a killed worker, a lost node), or whose worker
 * has said for a lease, from a lease after the attempt started, that it no longer runs it, has lost its lease:
 * the gate admits a
 * retryable failure for it, and the scheduler queues the next attempt from the trial's checkpoint.
 *
 * <p>This is an observation, like a worker's own report, so it enters the log as a command the gate admits,
 * not as a decision: the audit checks that it was admissible, and no decision ever reads a clock.
 */
final class Leases implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Leases.class);
    /** Five heartbeats (a worker beats every 2 s): long enough for a GC pause, short enough to notice a death. */
    static final Duration LEASE = Duration.ofSeconds(10);

    private record Heard(Instant at, Set<String> running, int cpus, int gpus) {}

    private final KafkaConsumer<String, byte[]> heartbeats;
    private final Map<String, Heard> lastHeard = new HashMap<>();
    /**
     * When each running attempt was first heard missing from its worker's heartbeats. An attempt that has just ended
     * is missing at once, while its last reports may still be on their way to this gate behind others: failing it then
     * failed every attempt of a live worker whose reports queued for seconds (the load test at 20,000 results/s).
     */
    private final Map<String, Instant> missingSince = new HashMap<>();
    /** Nothing is judged before a lease has passed since this gate started listening: it had heard no one. */
    private final Instant listeningSince;

    Leases(KafkaClients clients, String clientId, Instant now) {
        this.heartbeats = clients.consumer(clientId + "-heartbeats", null);
        List<TopicPartition> partitions = heartbeats.partitionsFor(Topics.HEARTBEATS).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        heartbeats.assign(partitions);
        heartbeats.seekToEnd(partitions);
        this.listeningSince = now;
    }

    /** Takes in the heartbeats that arrived, without waiting. */
    void poll(Instant now) {
        // An attempt missing for three leases has either lost its lease or ended; either way it has been judged.
        missingSince.values().removeIf(since -> since.isBefore(now.minus(LEASE.multipliedBy(3))));
        for (ConsumerRecord<String, byte[]> record : heartbeats.poll(Duration.ZERO)) {
            try {
                WorkerHeartbeat hb = AvroBytes.decode(WorkerHeartbeat.class, record.value());
                // Judged by when this gate heard it, not by the worker's clock.
                lastHeard.put(hb.getWorkerId(), new Heard(now, Set.copyOf(hb.getRunning()), hb.getSlots(), hb.getGpus().size()));
                hb.getRunning().forEach(missingSince::remove);
            } catch (UndecodableRecord e) {
                LOG.warn("ignoring undecodable heartbeat {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
            }
        }
    }

    /** The workers heard from within a lease. */
    int liveWorkers(Instant now) {
        return (int) lastHeard.values().stream().filter(h -> !now.isAfter(h.at().plus(LEASE))).count();
    }

    /**
     * The workers heard from within a lease, with what each has in all; empty until a lease has passed since this gate
     * started listening, as it may not have heard from every live worker before.
     */
    List<Placement.Worker> liveCapacities(Instant now) {
        if (now.isBefore(listeningSince.plus(LEASE))) {
            return List.of();
        }
        List<Placement.Worker> live = new ArrayList<>();
        lastHeard.forEach((worker, heard) -> {
            if (!now.isAfter(heard.at().plus(LEASE))) {
                live.add(new Placement.Worker(worker, heard.cpus(), heard.gpus()));
            }
        });
        return live;
    }

    /** A running attempt whose lease has run out, and why. */
    record Lapsed(TrialState trial, String reason) {}

    /** The running attempts of this experiment whose workers' leases have run out. */
    List<Lapsed> lapsed(ExperimentState view, Instant now) {
        List<Lapsed> lapsed = new ArrayList<>();
        if (now.isBefore(listeningSince.plus(LEASE))) {
            return lapsed;
        }
        for (TrialState trial : view.openTrials()) {
            if (trial.status() != TrialStatus.RUNNING || trial.workerId() == null) {
                continue;
            }
            Heard heard = lastHeard.get(trial.workerId());
            Instant since = heard == null ? listeningSince : heard.at();
            String attempt = view.experimentId() + "/" + trial.trialId() + "/" + trial.attempt();
            if (now.isAfter(since.plus(LEASE))) {
                lapsed.add(new Lapsed(trial, "lease expired: no heartbeat from worker " + trial.workerId() + " for "
                        + Duration.between(since, now).toSeconds() + " s"));
            } else if (heard != null && !heard.running().contains(attempt) && trial.startedAt() != null
                    && heard.at().isAfter(trial.startedAt().plus(LEASE))
                    && now.isAfter(missingSince.computeIfAbsent(attempt, a -> heard.at()).plus(LEASE))) {
                lapsed.add(new Lapsed(trial, "lease lost: worker " + trial.workerId() + " no longer runs attempt " + trial.attempt()));
            }
        }
        return lapsed;
    }

    @Override
    public void close() {
        heartbeats.close();
    }
}
