package io.tunelog.kafka;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Utils;

/**
 * Tunelog's topics and their layout. The log and the two command topics are keyed by experiment id
 * and must have the same partition count, so that one service instance owns an experiment's log
 * partition and its commands together.
 */
public final class Topics {
    /** The log: every accepted event, kept forever. */
    public static final String EVENTS = "tunelog.events";
    /** Commands from producers: experiments to run. */
    public static final String SUBMISSIONS = "tunelog.submissions";
    /** Commands from workers: what happened to a trial attempt. */
    public static final String REPORTS = "tunelog.reports";
    /** Why a command was refused. */
    public static final String REJECTIONS = "tunelog.rejections";
    /** Trial attempts waiting for a worker, consumed as a share-group queue. */
    public static final String ASSIGNMENTS = "tunelog.assignments";
    /** STOP and PAUSE for running attempts; every worker reads all of it. */
    public static final String CONTROL = "tunelog.control";
    /** Worker liveness, keyed by worker id; not part of any experiment's log. */
    public static final String HEARTBEATS = "tunelog.heartbeats";
    /** Records a service could not decode, with their topic, partition, offset and the reason. */
    public static final String DEAD_LETTERS = "tunelog.deadletters";
    /**
     * Each service's latest partition snapshot per log partition (key {@code <service>-<partition>}, compacted):
     * which experiments a new owner may skip, and where it starts reading. Never state; see PartitionLedger.
     */
    public static final String SNAPSHOTS = "tunelog.snapshots";
    /**
     * The signing keys' registry (key = fingerprint, compacted, one partition): written by an administrator only, read by
     * the gate and the auditor. See docs/SIGNING.md and KeyRegistry.
     */
    public static final String KEYS = "tunelog.keys";

    /** Topics keyed by experiment id whose partitions must line up with the log's. */
    public static final Set<String> CO_PARTITIONED = Set.of(EVENTS, SUBMISSIONS, REPORTS);

    private static final long DAY_MS = 24L * 3600 * 1000;

    private Topics() {}

    /** How many partitions and replicas the topics get. */
    public record Layout(int partitions, short replicationFactor) {
        public static final Layout LOCAL = new Layout(6, (short) 1);
        /** A production cluster: three copies of everything, and a write counts once two of them have it. */
        public static final Layout CLUSTER = new Layout(6, (short) 3);

        /**
         * With three or more replicas, a write (every client uses acks=all) needs two in sync: one broker may be lost
         * without losing an acknowledged record or refusing writes. With fewer there is nothing to wait for.
         */
        public int minInSyncReplicas() {
            return replicationFactor >= 3 ? 2 : 1;
        }
    }

    /** Creates whatever topics are missing; existing ones are checked, never altered. */
    public static void ensure(Admin admin, Layout layout) {
        String minIsr = String.valueOf(layout.minInSyncReplicas());
        List<NewTopic> wanted = List.of(
                topic(EVENTS, layout, Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1", TopicConfig.RETENTION_BYTES_CONFIG, "-1",
                        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr)),
                topic(SUBMISSIONS, layout, Map.of(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(30 * DAY_MS),
                        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr)),
                topic(REPORTS, layout, Map.of(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(7 * DAY_MS),
                        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr)),
                topic(REJECTIONS, layout, Map.of(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(30 * DAY_MS),
                        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr)),
                // One partition, which a share group gives to every worker: with more partitions than workers each
                // partition goes to one worker, and a worker busy with a long trial (or dead, until its session
                // times out) would hold back the assignments queued in its partitions while others sit idle.
                new NewTopic(ASSIGNMENTS, 1, layout.replicationFactor()).configs(Map.of(
                        TopicConfig.RETENTION_MS_CONFIG, String.valueOf(7 * DAY_MS), TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr)),
                topic(CONTROL, layout, Map.of(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(DAY_MS),
                        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr)),
                topic(HEARTBEATS, layout, Map.of(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(3600_000L),
                        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr)),
                topic(DEAD_LETTERS, layout, Map.of(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(30 * DAY_MS),
                        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr)),
                // Only the latest snapshot per key matters. The cleaner never touches the active segment, so segments
                // roll every hour: a new owner reads the partition to its end, and should not read a week of snapshots.
                topic(SNAPSHOTS, layout, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                        TopicConfig.SEGMENT_MS_CONFIG, String.valueOf(3600_000L),
                        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr)),
                // Compaction keeps each key's latest entry, which holds its whole registration (a revocation repeats it).
                new NewTopic(KEYS, 1, layout.replicationFactor()).configs(Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT, TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr)));
        List<String> failures = new ArrayList<>();
        admin.createTopics(wanted).values().forEach((name, future) -> {
            try {
                future.get();
            } catch (ExecutionException e) {
                // A principal that may not create topics (any but the administrator, on a cluster with ACLs) uses those the
                // set-up made; the wait below says so if they are missing.
                if (!(e.getCause() instanceof TopicExistsException || e.getCause() instanceof TopicAuthorizationException)) {
                    failures.add(name + ": " + e.getCause().getMessage());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failures.add(name + ": interrupted");
            }
        });
        if (!failures.isEmpty()) {
            throw new IllegalStateException("cannot create topics: " + String.join("; ", failures));
        }
        await(admin, wanted.stream().map(NewTopic::name).toList(), java.time.Duration.ofSeconds(60));
        checkCoPartitioned(admin);
    }

    /**
     * Waits until every topic is known to the cluster with a leader for each partition: a topic just
     * created is not usable at once, and a worker may start before the services have created them.
     */
    public static void await(Admin admin, java.util.Collection<String> topics, java.time.Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                Map<String, TopicDescription> found = admin.describeTopics(topics).allTopicNames().get();
                boolean led = found.values().stream().allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null));
                if (led) {
                    return;
                }
            } catch (ExecutionException e) {
                // not there yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for topics " + topics, e);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topics " + topics + " are not available after " + timeout.toSeconds()
                        + " s; the services create them (tunelog services), or create them with the same layout");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for topics " + topics, e);
            }
        }
    }

    /** The partition Kafka's default partitioner picks for a key: where an experiment's records live. */
    public static int partitionFor(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** Partition count of the log, as the cluster has it. */
    public static int partitionsOf(Admin admin, String topic) {
        try {
            return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot describe " + topic + ": " + e.getCause().getMessage(), e);
        }
    }

    private static void checkCoPartitioned(Admin admin) {
        try {
            Map<String, TopicDescription> described = admin.describeTopics(CO_PARTITIONED).allTopicNames().get();
            long distinct = described.values().stream().mapToInt(d -> d.partitions().size()).distinct().count();
            if (distinct != 1) {
                StringBuilder counts = new StringBuilder();
                described.forEach((n, d) -> counts.append(' ').append(n).append('=').append(d.partitions().size()));
                throw new IllegalStateException("topics " + CO_PARTITIONED + " must have equal partition counts, found" + counts);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot describe topics: " + e.getCause().getMessage(), e);
        }
    }

    private static NewTopic topic(String name, Layout layout, Map<String, String> configs) {
        return new NewTopic(name, layout.partitions(), layout.replicationFactor()).configs(configs);
    }
}
