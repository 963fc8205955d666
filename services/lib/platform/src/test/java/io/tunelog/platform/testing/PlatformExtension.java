package io.tunelog.platform.testing;

import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.kafka.testing.KafkaBrokerExtension;
import io.tunelog.platform.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The running platform for an end-to-end suite: a real Kafka cluster ({@link KafkaBrokerExtension}, or with
 * {@code TUNELOG_KAFKA=testcontainers} one broker in a container, {@link ContainerBroker}), the topics,
 * the services and a pool of workers, started before the class's tests and stopped after them, either in this
 * JVM ({@link Platform}) or each as a process of its own ({@link ProcessFleet}).
 *
 * <pre>
 * {@literal @}RegisterExtension
 * static final PlatformExtension PLATFORM = PlatformExtension.inProcess().workers("w", 4, 1);
 * </pre>
 *
 * Configure it where it is declared; it starts once per class, on a static field.
 */
public final class PlatformExtension implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {
    private static final Duration READY = Duration.ofSeconds(120);

    private final Class<?> mainClass;
    private KafkaBrokerExtension kafka = new KafkaBrokerExtension();
    private Topics.Layout layout = Topics.Layout.LOCAL;
    private Set<String> services = Platform.SERVICES;
    private String instance = "it";
    private final Map<String, Integer> workers = new LinkedHashMap<>();
    private final Map<String, List<String>> gpus = new LinkedHashMap<>();
    private Path givenStorage;

    private String owner;
    private Path storage;
    private ContainerBroker container;
    /** Why this suite's tests are skipped: it wants a broker in a container, which cannot run here. */
    private String skipped;
    private KafkaClients clients;
    private Platform platform;
    private ProcessFleet fleet;

    private PlatformExtension(Class<?> mainClass) {
        this.mainClass = mainClass;
    }

    /** Services and workers in the test's JVM. */
    public static PlatformExtension inProcess() {
        return new PlatformExtension(null);
    }

    /** Services and workers as processes of the {@code tunelog} command whose main class this is. */
    public static PlatformExtension processes(Class<?> tunelogMainClass) {
        return new PlatformExtension(tunelogMainClass);
    }

    /** Three brokers and the production layout: three replicas of every topic, two of them in sync for a write. */
    public PlatformExtension cluster() {
        kafka = KafkaBrokerExtension.brokers(3);
        layout = Topics.Layout.CLUSTER;
        return this;
    }

    /** The services to start, in this order (all of them unless told). */
    public PlatformExtension services(Set<String> names) {
        services = names;
        return this;
    }

    /** No services: the test starts and stops them itself. */
    public PlatformExtension noServices() {
        return services(Set.of());
    }

    /** The services' instance id ({@code it} unless told). */
    public PlatformExtension instance(String id) {
        instance = id;
        return this;
    }

    /** One more worker. */
    public PlatformExtension worker(String workerId, int slots) {
        if (workers.putIfAbsent(workerId, slots) != null) {
            throw new IllegalArgumentException("worker " + workerId + " given twice");
        }
        return this;
    }

    /** One more worker, with these GPUs (made-up ids will do: nothing but the trial's environment uses them). */
    public PlatformExtension worker(String workerId, int cpus, List<String> devices) {
        worker(workerId, cpus);
        gpus.put(workerId, List.copyOf(devices));
        return this;
    }

    /** Workers {@code <prefix>1} to {@code <prefix><count>}. */
    public PlatformExtension workers(String prefix, int count, int slots) {
        for (int i = 1; i <= count; i++) {
            worker(prefix + i, slots);
        }
        return this;
    }

    /** Where checkpoints, results and process output go, kept afterwards (a temporary directory, deleted, unless told). */
    public PlatformExtension storage(Path dir) {
        givenStorage = dir;
        return this;
    }

    public String bootstrapServers() {
        return container != null ? container.bootstrapServers() : kafka.bootstrapServers();
    }

    /** The cluster itself, to stop and start a broker. */
    public KafkaBrokerExtension kafka() {
        if (container != null) {
            throw new IllegalStateException("the broker runs in a container (TUNELOG_KAFKA=testcontainers), not in this JVM");
        }
        return kafka;
    }

    public KafkaClients clients() {
        return started(clients);
    }

    public Path storage() {
        return started(storage);
    }

    /** The services and workers, when they run in this JVM. */
    public Platform platform() {
        if (mainClass != null) {
            throw new IllegalStateException("the platform runs as processes: see fleet()");
        }
        return started(platform);
    }

    /** The services and workers, when they run as processes. */
    public ProcessFleet fleet() {
        if (mainClass == null) {
            throw new IllegalStateException("the platform runs in this JVM: see platform()");
        }
        return started(fleet);
    }

    /** A fleet of its own for one test, on this cluster, writing to {@code dir}; the test closes it. */
    public ProcessFleet newFleet(Path dir) {
        if (mainClass == null) {
            throw new IllegalStateException("an in-process platform has no main class to start processes with");
        }
        return new ProcessFleet(mainClass, bootstrapServers(), dir);
    }

    private <T> T started(T value) {
        Assumptions.assumeTrue(skipped == null, skipped);
        if (value == null) {
            throw new IllegalStateException("the platform starts before all tests of the class; register the extension on a static field");
        }
        return value;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (owner != null) {
            return; // already started for an enclosing class
        }
        owner = context.getUniqueId();
        if (ContainerBroker.wanted()) {
            skipped = layout == Topics.Layout.LOCAL ? ContainerBroker.missingEngine()
                    : "TUNELOG_KAFKA=testcontainers runs one broker in a container; this suite needs three";
            if (skipped != null) {
                // Each test is reported skipped (beforeEach); this line says so where a @BeforeAll stops the class first.
                System.err.println(context.getDisplayName() + " skipped: " + skipped);
                return;
            }
            container = ContainerBroker.start();
        } else {
            kafka.beforeAll(context);
        }
        storage = givenStorage != null ? Files.createDirectories(givenStorage) : Files.createTempDirectory("tunelog-platform");
        clients = KafkaClients.of(bootstrapServers());
        try (Admin admin = clients.admin()) {
            Topics.ensure(admin, layout);
        }
        if (mainClass == null) {
            platform = new Platform(clients);
            platform.startServices(services, instance, List.of(storage));
            workers.forEach((id, slots) -> platform.startWorker(Platform.workerSettings(id, slots, storage, storage)
                    .withGpus(gpus.getOrDefault(id, List.of()))));
            platform.awaitServicesReady(READY.toMillis());
        } else {
            fleet = new ProcessFleet(mainClass, bootstrapServers(), storage);
            services.forEach(service -> fleet.services(service, service, instance));
            workers.forEach((id, slots) -> fleet.worker(id, slots, gpus.getOrDefault(id, List.of())));
            for (ProcessFleet.Member m : fleet.members()) {
                fleet.awaitOutput(m, "ready", READY);
            }
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Assumptions.assumeTrue(skipped == null, skipped);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (!context.getUniqueId().equals(owner)) {
            return; // a @Nested class ending
        }
        owner = null;
        skipped = null;
        try {
            stop();
        } finally {
            if (container != null) {
                container.close();
                container = null;
            } else {
                kafka.afterAll(context);
            }
        }
    }

    private void stop() throws Exception {
        if (platform != null) {
            platform.close();
        }
        if (fleet != null) {
            fleet.close();
        }
        platform = null;
        fleet = null;
        clients = null;
        if (givenStorage == null && storage != null) {
            delete(storage);
        }
        storage = null;
    }

    /** Best effort: a temporary directory left behind fails no test. */
    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("could not delete " + dir + ": " + e);
        }
    }
}
