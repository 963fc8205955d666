package io.tunelog.loadtests;

import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.kafka.broker.LocalBroker;
import io.tunelog.log.Integrity;
import io.tunelog.registry.storage.CheckpointStores;
import io.tunelog.replay.ServiceCatalog;
import io.tunelog.service.DecisionLoop;
import io.tunelog.service.ServiceLogic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;

/**
 * How long a service's new owner takes to catch up with a log partition that holds many settled experiments, folding
 * the partition from its start and starting from the partition snapshot, measured in the same run on the same log.
 *
 * <p>Writes {@code experiments} finished experiments (each of about {@code events} events, decided by the real
 * deciders after every event) into a one-partition log, then, round after round, starts each service's
 * {@link DecisionLoop} under a new instance, once without reading snapshots and once reading them, and times
 * its catch-up: from the assignment to the end of catch-up, the snapshot read included. The first round is a
 * warm-up. Afterwards the log must have no new event: every experiment was settled, so nothing was decided.
 *
 * <p>With {@code open-first} true, an experiment still in progress (half its events, trials running) comes first in the
 * partition: the worst case for a snapshot, since the new owner must read from that experiment's first event and
 * can only skip the settled experiments' records, not avoid fetching them.
 *
 * <p>Usage: {@code java -cp ... io.tunelog.loadtests.CatchUpBenchmark [experiments] [events] [rounds] [open-first]
 * [bootstrap-servers]}; without servers it starts a LocalBroker in a temporary directory.
 */
public final class CatchUpBenchmark {

    public static void main(String[] args) throws Exception {
        int experiments = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        long eventsEach = args.length > 1 ? Long.parseLong(args[1]) : 1_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        boolean openFirst = args.length > 3 && Boolean.parseBoolean(args[3]);
        Path work = Files.createTempDirectory("tunelog-catchup-bench");
        LocalBroker broker = args.length > 4 ? null : LocalBroker.start(work.resolve("broker"), 0);
        KafkaClients clients = KafkaClients.of(broker != null ? broker.bootstrapServers() : args[4]);
        try (Admin admin = clients.admin()) {
            Topics.ensure(admin, new Topics.Layout(1, (short) 1));
        }
        TopicPartition log = new TopicPartition(Topics.EVENTS, 0);

        long t0 = System.nanoTime();
        long written = 0;
        if (openFirst) {
            written += write(clients, ExperimentLogGenerator.generate("open-0000", eventsEach, 0, eventsEach / 2));
        }
        written += writeSettledExperiments(clients, experiments, eventsEach, log);
        long end = endOffset(clients, log);
        System.out.printf("wrote %s%,d settled experiments, %,d events, in %.1f s; the log partition ends at %,d%n",
                openFirst ? "an experiment in progress, then " : "", experiments, written, (System.nanoTime() - t0) / 1e9, end);

        Map<String, Supplier<ServiceLogic>> services = ServiceCatalog.services(new CheckpointStores(List.of()));
        Map<String, List<Long>> full = new LinkedHashMap<>();
        Map<String, List<Long>> snapshot = new LinkedHashMap<>();
        DecisionLoop.Counters lastFull = null;
        DecisionLoop.Counters lastSnapshot = null;
        for (int round = 0; round <= rounds; round++) {
            System.out.println("--- round " + round + (round == 0 ? " (warm-up; it also writes the first snapshots)" : ""));
            for (Map.Entry<String, Supplier<ServiceLogic>> service : services.entrySet()) {
                for (boolean read : new boolean[] {false, true}) {
                    DecisionLoop.Counters c = catchUp(clients, service.getValue().get(), "bench-" + round + (read ? "-s" : "-f"), read);
                    System.out.printf("  %-10s %-14s catch-up %,7.0f ms, folded %,9d, skipped %,9d, from a snapshot: %s%n",
                            service.getKey(), read ? "from snapshot" : "full fold", c.lastCatchUp().toNanos() / 1e6,
                            c.folded(), c.skipped(), c.snapshotsRead() > 0);
                    if (round > 0) {
                        (read ? snapshot : full).computeIfAbsent(service.getKey(), k -> new ArrayList<>()).add(c.lastCatchUp().toNanos());
                    }
                    if (read) {
                        lastSnapshot = c;
                    } else {
                        lastFull = c;
                    }
                }
            }
        }
        long after = endOffset(clients, log);
        System.out.printf("--- result: median of %d rounds, %s%,d settled experiments, %,d events in the partition%n", rounds,
                openFirst ? "one experiment in progress before " : "", experiments, written);
        for (String service : services.keySet()) {
            double f = median(full.get(service)) / 1e6;
            double s = median(snapshot.get(service)) / 1e6;
            System.out.printf("%-10s full fold %,8.1f ms   from snapshot %,8.1f ms   ratio %.1fx%n", service, f, s, f / s);
        }
        System.out.printf("records folded: full fold %,d, from snapshot %,d%n", lastFull.folded(), lastSnapshot.folded());
        System.out.printf("log end before %,d, after %,d: %s%n", end, after, after == end ? "no decision was made" : "DECISIONS WERE MADE");
        if (broker != null) {
            broker.close();
        }
        // The broker's data (a few hundred MB) is of no use after the run.
        ScratchDirectory.delete(work);
        if (after != end) {
            System.exit(1);
        }
    }

    /** Starts a loop under a new instance, waits until it has caught up, stops it and returns its counters. */
    private static DecisionLoop.Counters catchUp(KafkaClients clients, ServiceLogic logic, String instance, boolean readSnapshots)
            throws InterruptedException {
        DecisionLoop loop = new DecisionLoop(clients, logic, instance, Clock.systemUTC(),
                new DecisionLoop.SnapshotPolicy(readSnapshots, Duration.ZERO));
        Thread thread = new Thread(loop, "catch-up-" + instance);
        thread.start();
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (!loop.isReady() || loop.counters().lastCatchUp() == null) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(logic.service() + " did not catch up in 5 minutes");
            }
            Thread.sleep(5);
        }
        // Let the loop write its snapshot (in the catch-up's transaction) and settle before it leaves the group.
        Thread.sleep(300);
        loop.close();
        thread.join();
        return loop.counters();
    }

    /** Writes finished experiments one after another, each at the offsets its log builder gave it. */
    private static long writeSettledExperiments(KafkaClients clients, int experiments, long eventsEach, TopicPartition tp) {
        long written = 0;
        for (int i = 0; i < experiments; i++) {
            written += write(clients, ExperimentLogGenerator.generate("settled-%04d".formatted(i), eventsEach, endOffset(clients, tp)));
        }
        return written;
    }

    /** Writes one experiment's log, which must start at the partition's end. */
    private static long write(KafkaClients clients, LogBuilder log) {
        try (KafkaProducer<String, byte[]> producer = clients.producer("catch-up-bench-writer", null)) {
            Integrity.SequentialWriter writer = new Integrity.SequentialWriter();
            log.events().forEach(e -> producer.send(writer.next(e)));
            producer.flush();
        }
        return log.events().size();
    }

    private static long endOffset(KafkaClients clients, TopicPartition tp) {
        try (KafkaConsumer<String, byte[]> c = clients.consumer("catch-up-bench-probe", null)) {
            return c.endOffsets(List.of(tp)).get(tp);
        }
    }

    private static double median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
    }
}
