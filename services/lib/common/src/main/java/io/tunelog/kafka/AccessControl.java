package io.tunelog.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * What each role may do on a cluster with an authorizer, as Kafka ACLs: the least each component needs.
 * Every role may describe the topics (their partition counts, which every client reads) and nothing
 * else it does not use; only the services write the log, only the scheduling service's gate reads
 * the command topics, and no role writes the signing keys' registry (the administrator does).
 */
public final class AccessControl {

    /** The parts of Tunelog that connect to Kafka, each under a principal of its own. */
    public enum Role {
        /** Submits and cancels experiments (the CLI, any language): writes the submissions topic, nothing more. */
        PRODUCER,
        /** Takes assignments, hears STOPs, writes reports and heartbeats. */
        WORKER,
        /** The gate and the trial scheduler: reads the commands and heartbeats, writes the log and the work. */
        SCHEDULER,
        SUGGESTION,
        REGISTRY,
        /**
         * The HTTP gateway: reads the log and the rejections, and submits; for the clients of ask-and-tell experiments it
         * is their worker, so it also writes reports and heartbeats.
         */
        GATEWAY,
        /** Reads the log and the rejections, to replay, audit and export; writes nothing. */
        AUDITOR;

        public static Role parse(String name) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("no role " + name + "; one of " + List.of(values()).toString().toLowerCase(Locale.ROOT));
            }
        }
    }

    private AccessControl() {}

    /** The ACLs that let {@code user} act in {@code role}. */
    public static List<AclBinding> bindings(Role role, String user) {
        Grants g = new Grants("User:" + user);
        g.prefixed(ResourceType.TOPIC, "tunelog.", AclOperation.DESCRIBE);
        switch (role) {
            case PRODUCER -> g.topic(Topics.SUBMISSIONS, AclOperation.WRITE);
            case WORKER -> {
                g.topic(Topics.ASSIGNMENTS, AclOperation.READ);
                g.group(WorkQueue.WORKERS_GROUP, AclOperation.READ);
                // To check that the share group is configured as WorkQueue needs; only the set-up may change it.
                g.group(WorkQueue.WORKERS_GROUP, AclOperation.DESCRIBE_CONFIGS);
                g.topic(Topics.CONTROL, AclOperation.READ);
                g.topic(Topics.REPORTS, AclOperation.WRITE);
                g.topic(Topics.HEARTBEATS, AclOperation.WRITE);
            }
            case SCHEDULER -> {
                service(g, "scheduler");
                // The keys: the gate checks reports' signers against the registry.
                for (String input : List.of(Topics.SUBMISSIONS, Topics.REPORTS, Topics.HEARTBEATS, Topics.KEYS)) {
                    g.topic(input, AclOperation.READ);
                }
                for (String output : List.of(Topics.REJECTIONS, Topics.ASSIGNMENTS, Topics.CONTROL)) {
                    g.topic(output, AclOperation.WRITE);
                }
            }
            case SUGGESTION -> service(g, "suggestion");
            case REGISTRY -> service(g, "registry");
            case GATEWAY -> {
                g.topic(Topics.EVENTS, AclOperation.READ);
                g.topic(Topics.REJECTIONS, AclOperation.READ);
                g.topic(Topics.SUBMISSIONS, AclOperation.WRITE);
                g.topic(Topics.REPORTS, AclOperation.WRITE);
                g.topic(Topics.HEARTBEATS, AclOperation.WRITE);
            }
            case AUDITOR -> {
                g.topic(Topics.EVENTS, AclOperation.READ);
                g.topic(Topics.REJECTIONS, AclOperation.READ);
                g.topic(Topics.KEYS, AclOperation.READ);
            }
        }
        return g.bindings;
    }

    /**
     * A service's loop (see DecisionLoop): its consumer group {@code tunelog-<service>}, transactional ids
     * {@code tunelog-<service>-<instance>}, the log read and written, its partition snapshots, dead letters.
     */
    private static void service(Grants g, String service) {
        String name = "tunelog-" + service;
        g.topic(Topics.EVENTS, AclOperation.READ);
        g.topic(Topics.EVENTS, AclOperation.WRITE);
        g.topic(Topics.SNAPSHOTS, AclOperation.READ);
        g.topic(Topics.SNAPSHOTS, AclOperation.WRITE);
        g.topic(Topics.DEAD_LETTERS, AclOperation.WRITE);
        g.group(name, AclOperation.READ);
        g.prefixed(ResourceType.TRANSACTIONAL_ID, name + "-", AclOperation.WRITE);
        g.prefixed(ResourceType.TRANSACTIONAL_ID, name + "-", AclOperation.DESCRIBE);
    }

    private record Grants(String principal, List<AclBinding> bindings) {
        Grants(String principal) {
            this(principal, new ArrayList<>());
        }

        void topic(String topic, AclOperation operation) {
            add(new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL), operation);
        }

        void group(String group, AclOperation operation) {
            add(new ResourcePattern(ResourceType.GROUP, group, PatternType.LITERAL), operation);
        }

        void prefixed(ResourceType type, String prefix, AclOperation operation) {
            add(new ResourcePattern(type, prefix, PatternType.PREFIXED), operation);
        }

        private void add(ResourcePattern resource, AclOperation operation) {
            bindings.add(new AclBinding(resource, new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW)));
        }
    }
}
