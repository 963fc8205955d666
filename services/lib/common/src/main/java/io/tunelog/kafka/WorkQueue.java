package io.tunelog.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.AuthorizationException;

/**
 * The assignment queue is a Kafka share group (KIP-932): each assignment goes to one worker, a worker
 * that cannot take one releases it to the others, and nothing is bound to a partition's owner.
 */
public final class WorkQueue {
    /** The share group all worker agents join. */
    public static final String WORKERS_GROUP = "tunelog-workers";
    /**
     * How many times the queue delivers an assignment before it archives it (the broker's maximum). A worker returns an
     * assignment to the gate one delivery short of it, rather than hand it back, and the gate has the attempt queued again.
     */
    public static final int DELIVERY_LIMIT = 10;

    private WorkQueue() {}

    /**
     * Sets the group to start from the earliest assignment (a share group starts at the latest by
     * default, which would lose assignments queued before the first worker joined) and to see only
     * committed records (assignments are written in the scheduler's transactions). Idempotent.
     *
     * <p>An assignment is delivered again when its taker dies before acknowledging it, or hands it back. After the delivery
     * count limit the broker archives it: so the limit is the broker's maximum (10), a worker returns an assignment to the
     * gate one delivery short of it rather than hand it back, and the lock a dead taker holds lasts the broker's minimum (15 s),
     * not 30 s.
     */
    public static void configure(Admin admin, String group) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, group);
        List<AlterConfigOp> ops = List.of(
                new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET),
                new AlterConfigOp(new ConfigEntry("share.isolation.level", "read_committed"), AlterConfigOp.OpType.SET),
                new AlterConfigOp(new ConfigEntry("share.delivery.count.limit", String.valueOf(DELIVERY_LIMIT)), AlterConfigOp.OpType.SET),
                new AlterConfigOp(new ConfigEntry("share.record.lock.duration.ms", "15000"), AlterConfigOp.OpType.SET));
        try {
            try {
                admin.incrementalAlterConfigs(Map.of(resource, ops)).all().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof AuthorizationException)) {
                    throw e;
                }
                // On a cluster with ACLs only the set-up may configure the group (tunelog security setup); a worker
                // may only check that it was.
                if (!applied(admin, resource, ops)) {
                    throw new IllegalStateException("share group " + group + " is not configured for Tunelog and this principal may "
                            + "not configure it (" + e.getCause().getMessage() + "): run tunelog security setup as the administrator");
                }
                return;
            }
            awaitApplied(admin, resource, ops);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot configure share group " + group + ": " + e.getCause().getMessage(), e);
        }
    }

    /**
     * Group configs reach the brokers through the metadata log, a moment after the change is acknowledged: a member
     * that joined before would start the group with the defaults (at the latest record, losing queued assignments).
     */
    private static void awaitApplied(Admin admin, ConfigResource resource, List<AlterConfigOp> ops)
            throws InterruptedException, ExecutionException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            if (applied(admin, resource, ops)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("share group " + resource.name() + " still shows "
                        + admin.describeConfigs(List.of(resource)).all().get().get(resource).entries() + " 30 s after it was configured");
            }
            Thread.sleep(50);
        }
    }

    private static boolean applied(Admin admin, ConfigResource resource, List<AlterConfigOp> ops) throws InterruptedException, ExecutionException {
        Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
        return ops.stream().allMatch(op -> {
            ConfigEntry entry = config.get(op.configEntry().name());
            return entry != null && op.configEntry().value().equals(entry.value());
        });
    }
}
