package io.tunelog.service;

import io.tunelog.kafka.KafkaClients;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a service's {@link DecisionLoop} on a thread of its own and starts a fresh loop when one dies:
 * a new loop rebuilds its state from the log, so a crash loses nothing but time.
 */
public final class ServiceRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceRunner.class);

    private final KafkaClients clients;
    private final ServiceLogic logic;
    private final String instance;
    private final ServiceSigning signing;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private volatile DecisionLoop loop;

    public ServiceRunner(KafkaClients clients, ServiceLogic logic, String instance) {
        this(clients, logic, instance, ServiceSigning.OFF);
    }

    /** @param signing what its loops sign, and whether its gate admits only signed reports (docs/SIGNING.md) */
    public ServiceRunner(KafkaClients clients, ServiceLogic logic, String instance, ServiceSigning signing) {
        this.signing = signing;
        this.clients = clients;
        this.logic = logic;
        this.instance = instance;
        this.thread = new Thread(this::runLoops, "tunelog-" + logic.service());
    }

    public ServiceRunner start() {
        thread.start();
        return this;
    }

    public String service() {
        return logic.service();
    }

    /**
     * Whether the thread running the loops is still there: it replaces a failed loop itself, so it ends only when
     * closed or on an Error.
     */
    public boolean isAlive() {
        return thread.isAlive();
    }

    /** Whether the current loop has caught up with every partition it owns. */
    public boolean isReady() {
        DecisionLoop current = loop;
        return current != null && current.isReady();
    }

    /** What the current loop has done since it started (a restarted loop counts from zero), or null before it runs. */
    public DecisionLoop.Counters counters() {
        DecisionLoop current = loop;
        return current == null ? null : current.counters();
    }

    private void runLoops() {
        while (running.get()) {
            try (DecisionLoop current = new DecisionLoop(clients, logic, instance, Clock.systemUTC(), DecisionLoop.SnapshotPolicy.DEFAULT,
                    signing)) {
                loop = current;
                current.run();
            } catch (RuntimeException e) {
                if (!running.get()) {
                    return;
                }
                if (e instanceof LoopTransaction.Fenced) {
                    LOG.warn("{} loop {}; rebuilding from the log in 1 s", logic.service(), e.getMessage());
                } else {
                    LOG.error("{} loop failed; rebuilding from the log in 1 s", logic.service(), e);
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        running.set(false);
        DecisionLoop current = loop;
        if (current != null) {
            current.close();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
