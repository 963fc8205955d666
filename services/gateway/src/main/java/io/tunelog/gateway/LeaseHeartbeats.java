package io.tunelog.gateway;

import io.tunelog.avro.WorkerHeartbeat;
import io.tunelog.codec.AvroBytes;
import io.tunelog.http.Problem;
import io.tunelog.kafka.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The heartbeats of the gateway's leases: each live lease beats as the worker it is, every
 * {@link #EVERY}, naming its attempt, as a worker agent beats for the attempts it runs. A lease that lapses is left
 * out, so the gate finds its worker silent and declares the attempt lost as it would for a dead worker, and the
 * scheduler queues the next attempt.
 */
final class LeaseHeartbeats implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseHeartbeats.class);
    /** As often as a worker agent beats: the gate's lease is five of these. */
    static final Duration EVERY = Duration.ofSeconds(2);

    private final KafkaProducer<String, byte[]> producer;
    private final LeaseBook book;
    private final String host;
    private final Clock clock;
    private final Thread thread;

    LeaseHeartbeats(KafkaProducer<String, byte[]> producer, LeaseBook book, String host, Clock clock) {
        this.producer = producer;
        this.book = book;
        this.host = host;
        this.clock = clock;
        this.thread = new Thread(this::run, "gateway-lease-heartbeats");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Beats for a new lease now, and waits for the broker to have it: sent before the lease's start, so that the gate
     * has heard from its worker by the time it sees the attempt running.
     */
    void beatNow(Lease lease) {
        try {
            producer.send(record(lease)).get(GateClient.JUDGED_WITHIN.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Problem(503, null, "interrupted while sending a heartbeat");
        } catch (Exception e) {
            throw new Problem(503, null, "cannot send a heartbeat to Kafka: "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.toString()));
        }
    }

    private ProducerRecord<String, byte[]> record(Lease lease) {
        WorkerHeartbeat hb = new WorkerHeartbeat(lease.workerId(), host, clock.instant(), 1, List.of(lease.attemptKey()), Map.of(), List.of());
        return new ProducerRecord<>(Topics.HEARTBEATS, lease.workerId(), AvroBytes.encode(hb));
    }

    private void run() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                for (Lease lease : book.alive(clock.instant())) {
                    producer.send(record(lease));
                }
                book.forgetOld(clock.instant());
            } catch (RuntimeException e) {
                // A beat missed here is one of five the gate allows; the next round tries again.
                LOG.warn("cannot send the leases' heartbeats: {}", e.toString());
            }
            try {
                Thread.sleep(EVERY.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
