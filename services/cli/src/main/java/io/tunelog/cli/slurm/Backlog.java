package io.tunelog.cli.slurm;

import io.tunelog.codec.AvroBytes.UndecodableRecord;
import io.tunelog.codec.EventCodec;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The work waiting for workers, read from the log: every experiment folded from its first event, as the services
 * fold it. A trial is queued when the scheduler has queued an attempt that no worker has started, and running when a
 * worker has; the worker that runs it is named in its state. The log, not the queue topic, is the source: a
 * queue's lag also counts assignments a worker holds, or ones whose trials ended meanwhile.
 */
public final class Backlog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Backlog.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final List<TopicPartition> partitions;
    private final Map<String, ExperimentState> experiments = new HashMap<>();

    public Backlog(KafkaClients clients) {
        int count;
        try (Admin admin = clients.admin()) {
            count = Topics.partitionsOf(admin, Topics.EVENTS);
        }
        partitions = java.util.stream.IntStream.range(0, count).mapToObj(p -> new TopicPartition(Topics.EVENTS, p)).toList();
        consumer = clients.consumer("tunelog-slurm-scale", null, Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000));
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Folds the log up to its end as of now, or for at most {@code max}. */
    public void catchUp(Duration max) {
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        long deadline = System.nanoTime() + max.toNanos();
        while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp)) && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                fold(record);
            }
        }
    }

    private void fold(ConsumerRecord<String, byte[]> record) {
        Event event;
        try {
            event = EventCodec.decode(record.value());
        } catch (UndecodableRecord e) {
            LOG.warn("passing over {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
            return;
        }
        experiments.computeIfAbsent(event.experimentId(), ExperimentState::new).apply(new LoggedEvent(record.offset(), event));
    }

    /** Attempts queued and running in experiments that run, and the workers that run them. */
    public Seen seen() {
        int queued = 0;
        int running = 0;
        Set<String> workers = new HashSet<>();
        for (ExperimentState state : experiments.values()) {
            if (state.status() != ExperimentStatus.RUNNING) {
                continue;
            }
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

    /** What the log says at one moment: see {@link #seen()}. */
    public record Seen(int queued, int running, Set<String> workers) {}

    @Override
    public void close() {
        consumer.close();
    }
}
