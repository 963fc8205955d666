package io.tunelog.kafka.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) inside this JVM, made from
 * Kafka's own classes: the storage is formatted as {@code kafka-storage format} does, and the server is
 * the same {@code KafkaRaftServer} that {@code kafka-server-start} runs. A data directory that is
 * already formatted is reused, so a restarted broker keeps its log.
 */
public final class LocalBroker implements AutoCloseable {
    private static final String PROPERTIES = "server.properties";

    private final KafkaRaftServer server;
    private final Path dataDir;
    private final String bootstrapServers;

    private LocalBroker(KafkaRaftServer server, Path dataDir, String bootstrapServers) {
        this.server = server;
        this.dataDir = dataDir;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Starts a broker on 127.0.0.1 and returns once it answers.
     *
     * @param port the client port, or 0 for a free one; a restart on a formatted directory keeps its old ports when given 0
     */
    public static LocalBroker start(Path dataDir, int port) {
        try {
            Path dir = dataDir.toAbsolutePath();
            Files.createDirectories(dir);
            Path propsFile = dir.resolve(PROPERTIES);
            Properties props;
            if (Files.exists(dir.resolve("log").resolve("meta.properties"))) {
                props = load(propsFile);
                if (port != 0) {
                    props = config(dir, port, Integer.parseInt(props.getProperty("tunelog.controller.port")));
                }
            } else {
                props = config(dir, port == 0 ? freePort() : port, freePort());
                store(props, propsFile);
                format(propsFile);
            }
            store(props, propsFile);
            Properties serverProps = new Properties();
            props.forEach((k, v) -> {
                if (!k.toString().startsWith("tunelog.")) {
                    serverProps.put(k, v);
                }
            });
            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(serverProps, false), Time.SYSTEM);
            server.startup();
            String bootstrap = "127.0.0.1:" + props.getProperty("tunelog.port");
            LocalBroker broker = new LocalBroker(server, dir, bootstrap);
            broker.awaitReady(Duration.ofSeconds(60));
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a broker in " + dataDir, e);
        }
    }

    /** Runs a broker until the JVM is asked to stop (`tunelog broker`). */
    public static void runForeground(Path dataDir, int port) throws InterruptedException {
        LocalBroker broker = start(dataDir, port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }));
        System.out.println("broker ready at " + broker.bootstrapServers() + " (data in " + broker.dataDir() + ")");
        stopped.await();
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Path dataDir() {
        return dataDir;
    }

    private static Properties config(Path dir, int port, int controllerPort) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", dir.resolve("log").toString());
        p.put("num.partitions", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "6");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "6");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // Our own keys, stripped before the server sees them: the ports, so a restart keeps them.
        p.put("tunelog.port", String.valueOf(port));
        p.put("tunelog.controller.port", String.valueOf(controllerPort));
        return p;
    }

    private static void format(Path propsFile) {
        Properties serverOnly = load(propsFile);
        serverOnly.keySet().removeIf(k -> k.toString().startsWith("tunelog."));
        Path formatProps = propsFile.resolveSibling("format.properties");
        store(serverOnly, formatProps);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", formatProps.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8));
        if (code != 0) {
            throw new IllegalStateException("cannot format " + propsFile.getParent() + ": " + out.toString(StandardCharsets.UTF_8));
        }
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            while (true) {
                try {
                    admin.describeCluster().nodes().get(2, TimeUnit.SECONDS);
                    return;
                } catch (Exception e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("broker in " + dataDir + " did not answer within " + timeout, e);
                    }
                }
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static Properties load(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    private static void store(Properties p, Path file) {
        try (Writer w = Files.newBufferedWriter(file)) {
            p.store(w, "written by tunelog");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }
}
