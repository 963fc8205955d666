package io.tunelog.platform;

import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.registry.storage.CheckpointStores;
import io.tunelog.registry.storage.FileCheckpointStore;
import io.tunelog.replay.ServiceCatalog;
import io.tunelog.service.ServiceLogic;
import io.tunelog.service.ServiceRunner;
import io.tunelog.service.ServiceSigning;
import io.tunelog.worker.PythonHelper;
import io.tunelog.worker.WorkerAgent;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;

/**
 * Starts Tunelog's services and workers in this process; the CLI's `run`, `services` and `worker` share it, and so
 * do the load tests and the end-to-end tests (through {@code PlatformExtension}).
 */
public final class Platform implements AutoCloseable {
    /** Every service's name, in start order. */
    public static final Set<String> SERVICES = ServiceCatalog.names();

    private final KafkaClients clients;
    private final List<AutoCloseable> started = new ArrayList<>();
    private final List<ServiceRunner> services = new ArrayList<>();
    private final List<WorkerAgent> workers = new ArrayList<>();

    public Platform(KafkaClients clients) {
        this.clients = clients;
    }

    public Platform ensureTopics(Topics.Layout layout) {
        try (Admin admin = clients.admin()) {
            Topics.ensure(admin, layout);
        }
        return this;
    }

    /**
     * @param storageRoots the storage roots the workers write checkpoints under (made if missing): the registry
     *                     removes deleted checkpoints there and nowhere else
     * @throws IllegalArgumentException for a name that is no service, or storage roots that cannot be used
     */
    public Platform startServices(Set<String> names, String instance, List<Path> storageRoots) {
        return startServices(names, instance, checkpointStores(storageRoots));
    }

    /**
     * @param checkpointStores where the registry removes deleted checkpoints from
     * @throws IllegalArgumentException for a name that is no service; nothing is started then
     */
    public Platform startServices(Set<String> names, String instance, CheckpointStores checkpointStores) {
        return startServices(names, instance, checkpointStores, ServiceSigning.OFF);
    }

    /** As {@link #startServices(Set, String, CheckpointStores)}, signing as {@code signing} says (docs/SIGNING.md). */
    public Platform startServices(Set<String> names, String instance, CheckpointStores checkpointStores, ServiceSigning signing) {
        Map<String, Supplier<ServiceLogic>> catalog = ServiceCatalog.services(checkpointStores);
        for (String name : names) {
            if (!catalog.containsKey(name)) {
                throw new IllegalArgumentException("unknown service " + name + "; known: " + SERVICES);
            }
        }
        for (String name : names) {
            ServiceRunner runner = new ServiceRunner(clients, catalog.get(name).get(), instance, signing).start();
            services.add(runner);
            started.add(runner);
        }
        return this;
    }

    /**
     * The checkpoint stores over these storage roots, which are made if missing.
     *
     * @throws IllegalArgumentException naming the roots, when one cannot be made or used
     */
    public static CheckpointStores checkpointStores(List<Path> storageRoots) {
        try {
            for (Path root : storageRoots) {
                Files.createDirectories(root);
            }
            return new CheckpointStores(List.of(new FileCheckpointStore(storageRoots)));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("checkpoint storage " + storageRoots + ": " + e.getMessage(), e);
        }
    }

    public Platform startWorker(WorkerAgent.Settings settings) {
        return startWorker(new WorkerAgent(clients, settings));
    }

    /** Starts a worker made beforehand, so that its health can be served while it waits for the topics. */
    public Platform startWorker(WorkerAgent worker) {
        workers.add(worker);
        started.add(worker);
        worker.start();
        return this;
    }

    /** The runner of a started service, by name; for tests and health checks. */
    public ServiceRunner service(String name) {
        return services.stream().filter(s -> s.service().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("service " + name + " was not started here"));
    }

    /** A started worker, by id; for tests. */
    public WorkerAgent worker(String workerId) {
        return workers.stream().filter(w -> w.workerId().equals(workerId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("worker " + workerId + " was not started here"));
    }

    /** Waits until every service has caught up with the log it owns. */
    public void awaitServicesReady(long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!services.stream().allMatch(ServiceRunner::isReady)) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("services not ready after " + timeoutMs + " ms");
            }
            Thread.sleep(50);
        }
    }

    public static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /** A worker's settings, with the Python helper this process is configured with ({@link PythonHelper#fromProcess}). */
    public static WorkerAgent.Settings workerSettings(String workerId, int slots, Path storage, Path logs) {
        return new WorkerAgent.Settings(workerId, hostname(), slots, storage, logs, slurmJobId(System.getenv()),
                WorkerAgent.Settings.DEFAULT_MAX_OUTPUT_BYTES).withPythonHelper(PythonHelper.fromProcess());
    }

    /**
     * The Slurm job this process runs in, as {@code squeue} shows it and {@code scancel} takes it: an array task as
     * {@code <array job>_<task>} (Slurm refuses to cancel an array task by its own numeric id), any other job by its
     * id; null outside Slurm.
     */
    static String slurmJobId(Map<String, String> env) {
        String array = env.get("SLURM_ARRAY_JOB_ID");
        String task = env.get("SLURM_ARRAY_TASK_ID");
        return array != null && task != null ? array + "_" + task : env.get("SLURM_JOB_ID");
    }

    @Override
    public void close() {
        // Workers first, so no attempt is left to report into stopped services.
        for (int i = started.size() - 1; i >= 0; i--) {
            if (started.get(i) instanceof WorkerAgent w) {
                w.close();
            }
        }
        for (int i = started.size() - 1; i >= 0; i--) {
            if (!(started.get(i) instanceof WorkerAgent)) {
                try {
                    started.get(i).close();
                } catch (Exception e) {
                    // closing anyway
                }
            }
        }
    }
}
